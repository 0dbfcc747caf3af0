"""Stage 1, definitions: questionnaire, rules and exercise files -> checked, compiled models.

YAML is read with line numbers (`yamlsource`), validated by pydantic (`model_errors`),
cross-checked and its conditions compiled (`loading`, `conditions`). Nothing here knows about
answers, screens or output formats.
"""
