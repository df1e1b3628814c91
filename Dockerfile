# The local gateway with every function, for docker compose (not for Lambda: SAM builds those).
# Python 3.13, the Lambda runtime's version; .venv synced from poetry.lock by Poetry 2 in a venv of its own.
FROM python:3.13-slim-bookworm
RUN python -m venv /opt/poetry && /opt/poetry/bin/pip install --no-cache-dir 'poetry>=2,<3'
WORKDIR /app
ENV POETRY_VIRTUALENVS_CREATE=false VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
RUN python -m venv /opt/venv
COPY pyproject.toml poetry.lock README.md ./
RUN /opt/poetry/bin/poetry sync --only main,local --no-root --compile
COPY . .
EXPOSE 8000
CMD ["python", "-m", "local_gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
