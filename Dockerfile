# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORTAL_DATA_DIR=/data
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
COPY portal ./portal
COPY standin ./standin
COPY manage.py ./
RUN pip install --no-cache-dir -c requirements.lock . \
    && SECRET_KEY=collectstatic-only PORTAL_ENV=production ALLOWED_HOSTS=build \
       python manage.py collectstatic --noinput \
    && useradd --system --home /data portal && mkdir -p /data && chown portal /data

USER portal
EXPOSE 8000
# The config module turns the access log on and redacts secrets in URLs from it.
CMD ["gunicorn", "portal.wsgi", "-c", "python:portal.ops.gunicorn_conf", \
     "--bind", "0.0.0.0:8000", "--workers", "3"]
