"""Developer and quickstart settings (`make run`)."""

from config.env import env_bool
from config.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
