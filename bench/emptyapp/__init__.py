"""The smallest Django a request can travel through: the L2 limit (`make bench`).

Never installed in the product; gunicorn loads it with DJANGO_SETTINGS_MODULE set to
``bench.emptyapp.settings``.
"""
