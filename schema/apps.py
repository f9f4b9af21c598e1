from django.apps import AppConfig


class SchemaConfig(AppConfig):
    """The GraphQL layer as a Django app, so that its management commands (export_schema) live with it."""

    name = "schema"
    label = "graphql_schema"
