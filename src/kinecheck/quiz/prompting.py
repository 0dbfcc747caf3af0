"""The terminal front end: the only module that imports questionary and prompt_toolkit.

Prompts use `unsafe_ask`, so Ctrl-C raises KeyboardInterrupt (the quiz saves a session) and the
end of input raises EOFError, instead of questionary's silent None. Two keys are added to every
prompt: Left arrow (or Esc) goes back, and in checkboxes Space keeps exclusive choices such as
'None of these' on their own.

Everything is wrapped here, at word boundaries, to the terminal's width: left alone, the
terminal breaks a long line in the middle of a word ("(Up/Dow" / "n, Enter)") and questionary's
choice list does not wrap at all, so a long choice or description is cut off. Question, key
hint, choices and descriptions are therefore handed to questionary already broken into lines,
with hanging indents, measured in terminal cells (`kinecheck.render.text`).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Sequence
from typing import Any

import questionary
from prompt_toolkit.application.current import get_app_session
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.renderer import print_formatted_text
from prompt_toolkit.styles import BaseStyle, default_ui_style, merge_styles
from questionary.constants import INDICATOR_UNSELECTED
from questionary.prompts.common import InquirerControl

from kinecheck.quiz.asking import BACK, BACK_WORDS, Check, Intro, Prompt, ReviewRow, SaveChoice
from kinecheck.render.formats import BY_NAME, SAVE_FORMATS
from kinecheck.render.layout import cells, wrap

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
POINTER = "»"  # questionary's own, named here because the choice indent depends on it
Fragments = list[tuple[str, str]]  # prompt_toolkit's (style, text) pairs


def width() -> int:
    """Columns to fill: the terminal's, less one so a full line never makes the cursor wrap."""
    return max(shutil.get_terminal_size().columns - 1, 20)


def lines_of(
    fragments: Sequence[tuple[str, str]], first: str = "", rest: str = "", room: int | None = None
) -> list[Fragments]:
    """Styled text broken into lines at word boundaries, each led by `first` or `rest`.

    Text that fits on one line is left exactly as written (the progress line spaces its parts
    with two blanks); longer text is wrapped by the report's wrapper, which measures terminal
    cells, keeps the author's line breaks and cuts only a word longer than a whole line.
    """
    room = width() if room is None else room
    text = "".join(t for _, t in fragments)
    if "\n" not in text and max(cells(first), cells(rest)) + cells(text) <= room:
        return [[("", first), *fragments]]
    spans = [(t, style) for style, t in fragments]
    out: list[Fragments] = []
    for n, line in enumerate(wrap(spans, room - max(cells(first), cells(rest)))):
        pieces: Fragments = [("", rest if n else first)]
        for i, word in enumerate(line):
            for j, (piece, style) in enumerate(word):
                pieces.append((style or "", " " + piece if i and not j else piece))
        out.append(pieces)
    return out or [[("", first)]]


def wrapped(text: str, first: str = "", rest: str = "", room: int | None = None) -> str:
    """Plain text wrapped like `lines_of`, as one string with line breaks."""
    lines = lines_of([("", text)], first, rest, room)
    return "\n".join("".join(t for _, t in line) for line in lines)


@functools.cache
def _style() -> BaseStyle:
    """prompt_toolkit's default style with ours on top, merged once per process.

    prompt_toolkit's own `print_formatted_text` merges and parses its default styles afresh on
    every call, about a millisecond each time: a dozen lines are printed before the first
    question (benchmarks/bench_take_startup.py). Printed with a style merged once, a line
    costs a few microseconds and looks the same.
    """
    return merge_styles([default_ui_style(), STYLE])


def _print(lines: list[Fragments]) -> None:
    """Styled lines to the terminal (between prompts: no prompt is running)."""
    joined: Fragments = []
    for line in lines:
        joined += [*line, ("", "\n")]
    output = get_app_session().output
    depth = output.get_default_color_depth()  # 1 bit (no colour) when NO_COLOR is set
    print_formatted_text(output, FormattedText(joined), _style(), color_depth=depth)
    output.flush()


def say(text: str, style: str = "", indent: str = "") -> None:
    """Print text between prompts, wrapped at word boundaries (no colour when NO_COLOR is set)."""
    _print(lines_of([(style, text)], indent, " " * cells(indent)))


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
        check.keep(value)  # saved before it is echoed: a kill after the echo loses nothing
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
            choices = [
                _choice("Yes, show my report", "done"),
                _choice("Change an answer", "change"),
            ]
            if _run(_select("Are these right?", "(Up/Down, Enter)", choices)) == "done":
                return None
            picked = _run(
                _select(
                    "Which answer do you want to change?",
                    "(Up/Down, Enter; Left arrow: back to the summary)",
                    [
                        *(_choice(f"{r.text} ({r.answer})", r.id) for r in rows),
                        questionary.Separator(),
                        questionary.Choice("Back to the summary", value=BACK),
                    ],
                ),
                back=True,
            )
            if picked is not BACK:
                return str(picked)

    def offer_save(self, default_stem: str) -> SaveChoice | None:
        """Offer to save the report as Markdown, HTML or JSON."""
        choices = [_choice("No", "no"), *(_choice(f.title, f.name) for f in SAVE_FORMATS)]
        fmt = _run(_select("Save this report to a file?", "(Up/Down, Enter)", choices))
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

    def confirm_overwrite(self, path: str) -> bool:
        """Replace an existing file only on a yes; No is where the pointer starts."""
        choices = [_choice("No, keep it", "no"), _choice("Yes, replace it", "yes")]
        answer = _run(_select(f"{path} already exists. Replace it?", "(Up/Down, Enter)", choices))
        return bool(answer == "yes")


# -- building prompts ------------------------------------------------------------------------
SELECT_LEAD = 2 + cells(POINTER)  # " » " before a choice's first line
CHECKBOX_LEAD = SELECT_LEAD + cells(INDICATOR_UNSELECTED) + 1  # " » ○ "
DESCRIPTION_LEAD = cells("  Description: ")  # how questionary introduces a choice's help


def question_and_hint(text: str, hint: str, *, field: bool = False) -> tuple[str, str]:
    """The question wrapped under its '? ', and the key hint kept whole.

    The hint stays on the question's last line when it fits there, as on a wide terminal;
    otherwise it gets lines of its own, indented like the question, rather than being broken
    by the terminal. questionary writes '? ', the question, a blank and the hint; a text field
    (`field`) adds a blank on each side of the hint.
    """
    room = width()
    lines = wrapped(text, room=room - 2).split("\n")
    spare = room - 2 - cells(lines[-1]) - (3 if field else 1)
    if hint and ("\n" in hint or cells(hint) > spare):
        hint = "\n" + wrapped(hint, "  ", "  ", room)
    return "\n  ".join(lines), hint


def _choice(
    label: str, value: Any, lead: int = SELECT_LEAD, help_text: str | None = None, **more: Any
) -> Any:
    """A choice whose words, and help, wrap under themselves (questionary's list cuts lines off)."""
    room = width()
    if help_text:
        more["description"] = wrapped(help_text, "", " " * DESCRIPTION_LEAD, room)
    return questionary.Choice(wrapped(label, "", " " * lead, room), value=value, **more)


def _select(text: str, hint: str, choices: list[Any], make: Any = None, **more: Any) -> Any:
    """A select (or, with `make`, a checkbox) whose question and hint are wrapped."""
    message, instruction = question_and_hint(text, hint)
    return (make or questionary.select)(
        message, choices=choices, instruction=instruction, style=STYLE, pointer=POINTER, **more
    )


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


def key_hint(prompt: Prompt) -> str:
    """The keys that answer this prompt, shown after the question: '(Up/Down, Enter)'."""
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
    hint = key_hint(prompt)
    if prompt.kind in ("single", "yes_no"):
        ids = [o.id for o in prompt.options]
        default = prompt.default if prompt.default in ids else None
        choices = [_choice(o.label, o.id, help_text=o.help) for o in prompt.options]
        return _select(prompt.text, hint, choices, default=default, erase_when_done=True)
    if prompt.kind == "multi":
        chosen = prompt.default if isinstance(prompt.default, list) else []
        choices = [
            _choice(o.label, o.id, CHECKBOX_LEAD, help_text=o.help, checked=o.id in chosen)
            for o in prompt.options
        ]
        return _select(
            prompt.text,
            hint,
            choices,
            questionary.checkbox,
            validate=lambda picked: _verdict(check, picked),
            erase_when_done=True,
        )
    default = "" if prompt.default is None else prompt.answer_words(prompt.default)
    if prompt.kind == "number" and prompt.default is not None:
        default = prompt.answer_words(prompt.default).removesuffix(f" {prompt.unit}")

    def validate(text: str) -> bool | str:
        if prompt.can_go_back and _is_back_word(prompt, text):
            return True
        return _verdict(check, text)

    message, instruction = question_and_hint(prompt.text, hint, field=True)
    return questionary.text(
        message,
        default=default,
        validate=validate,
        instruction=instruction,
        validate_while_typing=False,
        style=STYLE,
        erase_when_done=True,
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
    _print(lines_of([("", text + " "), ("class:answer", answer)], "  ", "    "))


def _echo(text: str, answer: str) -> None:
    """The accepted answer after its question, wrapped under the question like the prompt."""
    fragments = [("class:qmark", "?"), ("class:question", f" {text} "), ("class:answer", answer)]
    _print(lines_of(fragments, "", "  "))
