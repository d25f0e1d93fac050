from django_tasks import task

from households.import_jobs import import_job_check, import_job_commit


@task()
def check_import(job_id: int) -> None:
    import_job_check(job_id)


@task()
def commit_import(job_id: int) -> None:
    import_job_commit(job_id)
