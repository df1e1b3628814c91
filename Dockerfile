# The local gateway with every function and the web app, for docker compose (not for Lambda: SAM builds those).
# Stage 1 builds the web app (web/dist); stage 2 is Python 3.13, the Lambda runtime's version, with .venv synced
# from poetry.lock by Poetry 2 from a venv of its own, and serves the API and the app on one origin.
FROM node:20-bookworm-slim AS web
WORKDIR /app/web
COPY web/package.json web/package-lock.json web/.npmrc ./
RUN npm ci
COPY web/ ./
RUN npm run build

FROM python:3.13-slim-bookworm
RUN python -m venv /opt/poetry && /opt/poetry/bin/pip install --no-cache-dir 'poetry>=2,<3'
WORKDIR /app
ENV POETRY_VIRTUALENVS_CREATE=false VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
RUN python -m venv /opt/venv
COPY pyproject.toml poetry.lock README.md ./
RUN /opt/poetry/bin/poetry sync --only main,local --no-root --compile
COPY . .
COPY --from=web /app/web/dist /app/web/dist
EXPOSE 8000
CMD ["python", "-m", "local_gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
