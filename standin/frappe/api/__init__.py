"""The site's HTTP surface: /api/method, /api/resource, /api/v2 and pages."""
