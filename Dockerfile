# One image for the web process and the worker: `docker compose up` runs both.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

RUN useradd --system --uid 10001 --home-dir /app careplatform && chown -R careplatform /app
USER careplatform

EXPOSE 8000

# Migrations run in the web service's command (see docker-compose.yml); the worker does not run them.
# After SIGTERM requests in flight get 25 s to finish (docker-compose.yml: stop_grace_period 35s).
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--ws-per-message-deflate", "false", "--timeout-graceful-shutdown", "25"]
