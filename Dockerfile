# Production image: `docker run -e CRM_DATABASE_URL=postgresql+asyncpg://… -e CRM_SECRET_KEY=… -p 8000:8000 crm`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CRM_DATABASE_URL=sqlite+aiosqlite:////data/crm.db
WORKDIR /srv
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --system --uid 10001 crm && mkdir /data && chown crm /data
USER crm
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Migrations are forward-only: apply them, then serve.
CMD ["sh", "-c", "crm migrate && exec crm serve --host 0.0.0.0 --port 8000 --no-access-log"]
