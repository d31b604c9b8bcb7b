"""The JSON API under /api: one router per resource, each a thin shell over the application."""
