"""The only place that builds the app for serving: `flask --app wsgi ...`, gunicorn wsgi:app."""

from drafting import create_app

app = create_app()
