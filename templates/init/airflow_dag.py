"""Airflow (2.x): the nightly readiness batch as one task.

Copy this file into your DAGs folder and set PORTFOLIO to this repository's checkout on
the worker. The batch exits 1 when a dossier failed, which fails the task.
"""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

PORTFOLIO = "/srv/readiness-portfolio"

with DAG(
    "readiness_portfolio",
    schedule="30 2 * * *",
    start_date=datetime(2026, 12, 1),
    catchup=False,
):
    BashOperator(
        task_id="workbook_batch",
        cwd=PORTFOLIO,
        # {{ ds }}: the run's logical date, so a re-run assesses as of the same day.
        bash_command="workbook batch --as-of {{ ds }}",
    )
