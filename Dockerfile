# One image for the code server (user-code), the Dagster webserver and daemon, every run container
# (DockerRunLauncher / K8sRunLauncher) and the API. The `deploy` extra brings the run launchers.
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/dagster_home
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md LICENCE.txt ./
RUN uv sync --frozen --no-dev --extra deploy --no-install-project
COPY . .
RUN uv sync --frozen --no-dev --extra deploy \
    && mkdir -p $DAGSTER_HOME /opt/dagster/compute_logs /app/config \
    && cp docker/dagster.yaml $DAGSTER_HOME/dagster.yaml
