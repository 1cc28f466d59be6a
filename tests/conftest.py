"""Settings for the whole suite."""

from hypothesis import settings

# Property tests check results, never speed: a loaded CI machine must not make them flaky.
settings.register_profile("arcforge", deadline=None)
settings.load_profile("arcforge")
