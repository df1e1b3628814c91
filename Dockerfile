# The local gateway with every function, for docker compose (not for Lambda: SAM builds those).
FROM python:3.11.10-slim-bookworm
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-install-project --no-group dev
COPY . .
RUN uv sync --frozen --no-group dev
EXPOSE 8000
CMD ["python", "-m", "local_gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
