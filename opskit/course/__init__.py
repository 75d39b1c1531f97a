"""Course machinery: chapter registry, runner, reports, site, notebook helpers, exercises,
workshop canvases and the ``opskit`` command line."""
