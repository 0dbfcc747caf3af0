"""The terminal front end: the only module that imports questionary and prompt_toolkit.

Prompts use `unsafe_ask`, so Ctrl-C raises KeyboardInterrupt (the quiz saves a session) and the
end of input raises EOFError, instead of questionary's silent None. Two keys are added to every
prompt: Left arrow (or Esc) goes back, and in checkboxes Space keeps exclusive choices such as
'None of these' on their own.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from typing import Any

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.keys import Keys
from questionary.prompts.common import InquirerControl

from kinecheck.quiz.asking import (
    BACK,
    BACK_WORDS,
    Check,
    Intro,
    Prompt,
    ReviewRow,
    SaveChoice,
)
from kinecheck.render.formats import BY_NAME, SAVE_FORMATS

STYLE = questionary.Style(
    [
        ("qmark", "fg:ansicyan bold"),
        ("question", "bold"),
        ("answer", "fg:ansicyan bold"),
        ("pointer", "fg:ansicyan bold"),
        ("highlighted", "fg:ansicyan bold"),
        ("selected", "fg:ansicyan"),
        ("instruction", "fg:ansibrightblack"),
        ("text", ""),
    ]
)
BAR_WIDTH = 20


def say(text: str, style: str = "", indent: str = "") -> None:
    """Print text between prompts, wrapped at word boundaries (no colour when NO_COLOR is set)."""
    width = max(shutil.get_terminal_size().columns - 1, 20)
    lines = textwrap.wrap(
        text, width, initial_indent=indent, subsequent_indent=" " * len(indent)
    ) or [""]
    print_formatted_text(FormattedText([(style, "\n".join(lines))]), style=STYLE)


class TerminalAsker:
    """Asks each question with the questionary prompt that fits its type."""

    def __init__(self) -> None:
        self._on_shown: list[Callable[[], None]] = []

    def on_shown(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the next prompt is on screen (to start work in the background)."""
        self._on_shown.append(callback)

    def start(self, intro: Intro) -> None:
        """Title, purpose, time, and the keys that matter."""
        say(intro.title, "bold")
        if intro.description:
            say(intro.description)
        for note in intro.notes:
            say(note)
        if intro.minutes:
            say(f"It takes about {intro.minutes} minutes.")
        say(
            "Keys: Up/Down move, Space ticks a box, Enter confirms, Left arrow or Esc goes back, "
            "Ctrl-C stops and saves your answers for later.",
            "fg:ansibrightblack",
        )

    def say(self, text: str) -> None:
        """A line of information."""
        say(text)

    def ask(self, prompt: Prompt, check: Check) -> Any:
        """Show the header, then the prompt; return the checked answer or BACK."""
        _header(prompt)
        question = _question(prompt, check)
        _add_keys(question, prompt)
        if self._on_shown:
            callbacks, self._on_shown = self._on_shown, []

            def shown(_app: Any) -> None:
                while callbacks:
                    callbacks.pop()()

            question.application.after_render += shown
        answer = question.unsafe_ask()
        if answer is BACK or (_is_back_word(prompt, answer) and prompt.can_go_back):
            return BACK
        value, _ = check(answer)
        _echo(prompt.text, prompt.answer_words(value))
        return value

    def review(self, rows: list[ReviewRow]) -> str | None:
        """Summary of all answers, then 'see the report' or 'change one'."""
        say("")
        say("Your answers", "bold underline")
        section = None
        for row in rows:
            if row.section != section:
                section = row.section
                say(section, "bold")
            _pair(row.text, row.answer)
        while True:
            action = _run(
                questionary.select(
                    "Are these right?",
                    choices=[
                        questionary.Choice("Yes, show my report", value="done"),
                        questionary.Choice("Change an answer", value="change"),
                    ],
                    style=STYLE,
                    instruction="(Up/Down, Enter)",
                )
            )
            if action == "done":
                return None
            picked = _run(
                questionary.select(
                    "Which answer do you want to change?",
                    choices=[
                        *(questionary.Choice(f"{r.text} ({r.answer})", value=r.id) for r in rows),
                        questionary.Separator(),
                        questionary.Choice("Back to the summary", value=BACK),
                    ],
                    style=STYLE,
                    instruction="(Up/Down, Enter; Left arrow: back to the summary)",
                ),
                back=True,
            )
            if picked is not BACK:
                return str(picked)

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        """Offer to save the report as Markdown, HTML or JSON."""
        fmt = _run(
            questionary.select(
                "Save this report to a file?",
                choices=[
                    questionary.Choice("No", value="no"),
                    *(questionary.Choice(f.title, value=f.name) for f in SAVE_FORMATS),
                ],
                style=STYLE,
                instruction="(Up/Down, Enter)",
            )
        )
        if fmt == "no":
            return None
        ext = BY_NAME[fmt].suffix
        path = _run(
            questionary.text(
                "File name:",
                default=default_stem + ext,
                validate=lambda text: bool(text.strip()) or "type a file name",
                style=STYLE,
            )
        )
        return SaveChoice(str(fmt), str(path).strip())


# -- building prompts ------------------------------------------------------------------------


def _run(question: Any, *, back: bool = False) -> Any:
    if back:
        _add_back_key(question, lambda: True)
    return question.unsafe_ask()


def _is_back_word(prompt: Prompt, typed: Any) -> bool:
    """In number fields, typing 'back' goes back too (as in plain mode)."""
    return prompt.kind == "number" and str(typed).strip().lower() in BACK_WORDS


def _header(prompt: Prompt) -> None:
    if prompt.new_section:
        say("")
        say(f"== {prompt.section} ==", "bold")
        if prompt.section_intro:
            say(prompt.section_intro)
    done = max(prompt.number - 1, 0) / max(prompt.total, 1)
    filled = round(BAR_WIDTH * done)
    say("")
    say(
        f"{prompt.progress_text}  [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]  {prompt.section}",
        "fg:ansibrightblack",
    )
    if prompt.instructions:
        say("How to do this test:", "bold")
        for number, step in enumerate(prompt.instructions, 1):
            say(step, indent=f"  {number}. ")
    if prompt.help:
        say(prompt.help, "italic")
    if prompt.min_label or prompt.max_label:
        low, high = prompt.minimum, prompt.maximum
        say(f"{low:g} = {prompt.min_label or ''}, {high:g} = {prompt.max_label or ''}", "italic")


def _instruction(prompt: Prompt) -> str:
    back = ", Left: back" if prompt.can_go_back else ""
    if prompt.kind == "multi":
        return f"(Space ticks, Enter confirms{back})"
    if prompt.kind in ("single", "yes_no"):
        return f"(Up/Down, Enter{back})"
    extra = ""
    if prompt.default is not None:
        extra = ", Enter keeps it"
    elif prompt.optional:
        extra = ", Enter skips"
    if prompt.kind == "number":
        unit = f" {prompt.unit}" if prompt.unit else ""
        return f"({prompt.minimum:g} to {prompt.maximum:g}{unit}{extra}{back})"
    return f"({extra.lstrip(', ')}{back})" if extra or back else ""


def _question(prompt: Prompt, check: Check) -> Any:
    """The questionary prompt for one question, validated inline by `check`."""
    instruction = _instruction(prompt)
    common: dict[str, Any] = {"style": STYLE, "erase_when_done": True}
    if prompt.kind in ("single", "yes_no"):
        choices = [
            questionary.Choice(o.label, value=o.id, description=o.help) for o in prompt.options
        ]
        ids = [o.id for o in prompt.options]
        return questionary.select(
            prompt.text,
            choices=choices,
            default=prompt.default if prompt.default in ids else None,
            instruction=instruction,
            **common,
        )
    if prompt.kind == "multi":
        chosen = prompt.default if isinstance(prompt.default, list) else []
        choices = [
            questionary.Choice(o.label, value=o.id, description=o.help, checked=o.id in chosen)
            for o in prompt.options
        ]
        return questionary.checkbox(
            prompt.text,
            choices=choices,
            validate=lambda picked: _verdict(check, picked),
            instruction=instruction,
            **common,
        )
    default = "" if prompt.default is None else prompt.answer_words(prompt.default)
    if prompt.kind == "number" and prompt.default is not None:
        default = prompt.answer_words(prompt.default).removesuffix(f" {prompt.unit}")

    def validate(text: str) -> bool | str:
        if prompt.can_go_back and _is_back_word(prompt, text):
            return True
        return _verdict(check, text)

    return questionary.text(
        prompt.text,
        default=default,
        validate=validate,
        instruction=instruction,
        validate_while_typing=False,
        **common,
    )


def _verdict(check: Check, raw: Any) -> bool | str:
    _, message = check(raw)
    return True if message is None else message


def _add_keys(question: Any, prompt: Prompt) -> None:
    """Back on Left/Esc; exclusive checkbox choices; no select-all in checkboxes."""
    app = question.application
    control = _inquirer(app)
    if not prompt.can_go_back:
        pass
    elif control is None:  # a text field: Left goes back only while the field is empty
        _add_back_key(question, lambda: not app.current_buffer.text)
    else:
        _add_back_key(question, lambda: True)
    if prompt.kind == "multi" and control is not None:
        exclusive = frozenset(o.id for o in prompt.options if o.exclusive)
        keys = KeyBindings()

        @keys.add(" ", eager=True)
        def _toggle(event: Any) -> None:
            value = control.get_pointed_at().value
            chosen = control.selected_options
            if value in chosen:
                chosen.remove(value)
            elif value in exclusive:
                chosen[:] = [value]
            else:
                chosen[:] = [v for v in chosen if v not in exclusive] + [value]
            control.error_message = None

        @keys.add("a", eager=True)
        @keys.add("i", eager=True)
        def _ignore(event: Any) -> None:
            """Select-all and invert make no sense beside 'None of these'."""

        app.key_bindings = merge_key_bindings([app.key_bindings, keys])


def _add_back_key(question: Any, when: Any) -> None:
    app = question.application
    keys = KeyBindings()
    active = Condition(when)

    @keys.add(Keys.Left, filter=active, eager=True)
    @keys.add(Keys.Escape, filter=active)
    def _back(event: Any) -> None:
        event.app.exit(result=BACK)

    app.key_bindings = merge_key_bindings([app.key_bindings, keys])


def _inquirer(app: Any) -> InquirerControl | None:
    for window in app.layout.find_all_windows():
        if isinstance(window.content, InquirerControl):
            return window.content
    return None


def _pair(text: str, answer: str) -> None:
    """'  Question? answer' wrapped at word boundaries, the answer highlighted."""
    width = max(shutil.get_terminal_size().columns - 1, 20)
    lines = textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="    ")
    last = lines.pop() if lines else "  "
    if len(last) + 1 + len(answer) > width:
        lines.append(last)
        last = "    "
    else:
        last += " "
    fragments = [("", "\n".join(lines) + ("\n" if lines else "") + last), ("class:answer", answer)]
    print_formatted_text(FormattedText(fragments), style=STYLE)


def _echo(text: str, answer: str) -> None:
    print_formatted_text(
        FormattedText(
            [("class:qmark", "?"), ("class:question", f" {text} "), ("class:answer", answer)]
        ),
        style=STYLE,
    )
