"""The main job: every check the project's graph must pass, step by step."""
