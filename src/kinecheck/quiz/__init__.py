"""Stage 3, the quiz: asking questions one at a time, in a terminal or line by line.

`loop` is the quiz without any UI; `asking` is what a front end must implement; `prompting`
(questionary, the only importer of it) and `plain` are the two front ends; `sessions` saves
answers as they are given; `taking` runs a whole quiz to its report.
"""
