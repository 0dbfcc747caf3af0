"""Pydantic models for definitions (questionnaire, rules, exercises) and for the report."""
