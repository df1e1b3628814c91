"""moto's server (`python -m moto.server`) for the benches, answering HTTP/1.1 so that clients keep their
connections open as they do with SQS itself (werkzeug's default, HTTP/1.0, closes each one after its answer)."""
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import main

if __name__ == "__main__":
    MotoRequestHandler.protocol_version = "HTTP/1.1"
    main()
