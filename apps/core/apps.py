from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from apps.core import logsafety
        from apps.core.jobs import email, generic, runner

        logsafety.install()
        runner.register_queue("jobs", generic.run_batch)
        generic.register_kind(email.KIND, email.handle, retry=email.RETRY)
