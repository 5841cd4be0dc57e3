from django.apps import AppConfig

#: The bare endpoint's route name (outside every namespace of the product).
ROUTE = "bench-bare-vitals"


class BareConfig(AppConfig):
    name = "bare"
    label = "bare"
    verbose_name = "Bare benchmark endpoint (never in the product)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # RouteAccessMiddleware refuses (404) any route missing from the matrix: the bench
        # route is public (no authentication: the bare baseline) and takes only POST. The
        # entry is added in this process only, and only when this app is installed.
        from ketaclinic.security import PUBLIC, ROUTE_ACCESS

        ROUTE_ACCESS.setdefault(ROUTE, {"POST": PUBLIC})
