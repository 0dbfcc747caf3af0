"""kinecheck: declarative self-assessment questionnaires, scored by declarative rules.

The library API (imported lazily so the CLI starts fast)::

    from kinecheck import api
    defs = api.load()  # the bundled questionnaire; or an id, or a path
    report = api.assess_raw(defs, {"age": 41, ...})
"""

__version__ = "0.1.0"
