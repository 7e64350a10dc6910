"""The web layer: pages (HTML, htmx fragments) and their JSON twins."""
