"""The rules for the prompt and the negative prompt: length, and no invisible control characters."""

from __future__ import annotations

import unicodedata

from lib.media.preflight import Code, Problem, Report
from lib.novita.rules import DEFAULT_MODEL, Model

# Line breaks and tabs are text; every other control character (and a lone UTF-16 surrogate, which
# is no character at all) is invisible in a text box and would reach the service as garbage.
PROMPT_WHITESPACE = frozenset("\n\r\t")
CONTROL_NAMES = {
    0x00: "NUL",
    0x07: "bell",
    0x08: "backspace",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x1B: "escape",
    0x7F: "delete",
}
SHOWN_CHARACTERS = 3


def check_prompts(prompt: str | None, negative_prompt: str | None, model: Model = DEFAULT_MODEL) -> Report:
    r"""Check the prompts against `model`'s rules (Kling 2.6 Pro unless told): the negative prompt can have
    at most 2,500 characters, the prompt too on a model that limits it (3.0), and neither may hold
    control characters.

    Any Unicode text is fine (emoji, right-to-left scripts, CJK, combining accents, zero-width joiners),
    and so are new lines and tabs. Characters are counted as Python counts them, in code points: an
    emoji with a skin tone or a letter with a separate combining accent counts as two. Control
    characters (NUL, escape, backspace, U+0080-U+009F...) and lone surrogates are a problem, not
    silently removed: each is named with its position, since a text box does not show them.

        >>> print(check_prompts("a dancer\x00", "").problems[0].message)  # doctest: +NORMALIZE_WHITESPACE
        The prompt contains an invisible control character (U+0000 NUL at character 9); delete it or retype
        the text around it. New lines and tabs are fine.
    """
    prompt, negative_prompt = prompt or "", negative_prompt or ""
    problems = _control_characters(prompt, "The prompt") + _control_characters(negative_prompt, "The negative prompt")
    in_model = "" if model is DEFAULT_MODEL else f" with Model: {model.label}"
    if model.max_prompt is not None and len(prompt) > model.max_prompt:
        problems.append(
            Problem(
                Code.PROMPT_LENGTH,
                f"The prompt is {len(prompt):,} characters long; it can be at most {model.max_prompt:,}{in_model}.",
                len(prompt),
                model.max_prompt,
            )
        )
    if len(negative_prompt) > model.max_negative_prompt:
        problems.append(
            Problem(
                Code.NEGATIVE_PROMPT_LENGTH,
                f"The negative prompt is {len(negative_prompt):,} characters long; "
                f"it can be at most {model.max_negative_prompt:,}{in_model}.",
                len(negative_prompt),
                model.max_negative_prompt,
            )
        )
    return Report(problems, [], {"prompt_length": len(prompt), "negative_prompt_length": len(negative_prompt)})


def _control_characters(text: str, what: str) -> list[Problem]:
    found = [
        (position, char)
        for position, char in enumerate(text, start=1)
        if char not in PROMPT_WHITESPACE and unicodedata.category(char) in ("Cc", "Cs")
    ]
    if not found:
        return []
    shown = ", ".join(f"{_character_name(char)} at character {position}" for position, char in found[:SHOWN_CHARACTERS])
    if len(found) > SHOWN_CHARACTERS:
        shown += f", and {len(found) - SHOWN_CHARACTERS:,} more"
    count = "an invisible control character" if len(found) == 1 else f"{len(found):,} invisible control characters"
    pronoun = "it" if len(found) == 1 else "them"
    return [
        Problem(
            Code.PROMPT_CHARACTERS,
            f"{what} contains {count} ({shown}); delete {pronoun} or retype the text around {pronoun}. "
            "New lines and tabs are fine.",
            len(found),
            0,
        )
    ]


def _character_name(char: str) -> str:
    """'U+0000 NUL', 'U+D800 (not a character)', 'U+0085'."""
    code = ord(char)
    if unicodedata.category(char) == "Cs":
        return f"U+{code:04X} (not a character)"
    return f"U+{code:04X} {CONTROL_NAMES[code]}" if code in CONTROL_NAMES else f"U+{code:04X}"
