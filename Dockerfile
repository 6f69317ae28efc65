# Production image. Build: `docker build -t crm .`
#   migrate (its own command, once per release):  docker run --rm -e CRM_DATABASE_URL=… crm crm migrate
#   serve:                                         docker run -e CRM_DATABASE_URL=… -e CRM_SECRET_KEY=… -p 8000:8000 crm
# scripts/docker-smoke runs this file's own install, migrate, start and health-check commands in
# a fresh virtualenv (no registry is reachable to build it here), so the two cannot drift apart.

# --- build: install the app and its dependencies into a self-contained virtualenv -------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN python -m venv /opt/crm
RUN /opt/crm/bin/pip install --quiet .
# The runtime needs no installer: drop pip and setuptools from the virtualenv.
RUN /opt/crm/bin/python -m pip uninstall --quiet --yes pip setuptools

# --- runtime: the interpreter and the virtualenv only; no compiler, no pip, not root ----------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/crm/bin:$PATH \
    CRM_DATABASE_URL=sqlite+aiosqlite:////data/crm.db
RUN useradd --system --uid 10001 --no-create-home crm && mkdir /data && chown crm /data \
    && rm -rf /usr/local/lib/python3.11/site-packages/pip /usr/local/bin/pip*
COPY --from=build /opt/crm /opt/crm
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Migrations are not run here: `crm migrate` is its own step (compose.yaml's `migrate` service),
# so several API instances never race to migrate. On the embedded SQLite default `crm serve`
# still applies them itself.
CMD ["crm", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
