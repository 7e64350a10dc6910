"""Write your own: type a program, run it, see its threads; its problems pointed at the line;
"Edit this program"; saving it as a custom scenario and embedding it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Server, screenshot

pytestmark = pytest.mark.timeout(180)

PROGRAM = {
    "en": (
        "import threading\n"
        "lock = threading.Lock()\n"
        "def work():\n"
        "    with lock:\n"
        "        print('working')\n"
        "threads = [threading.Thread(target=work) for _ in range(WORKERS)]\n"
        "for t in threads:\n"
        "    t.start()\n"
        "for t in threads:\n"
        "    t.join()\n"
    ),
}
PROGRAM["es"] = PROGRAM["en"].replace("working", "trabajando")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that may be answered 422 (a program's problem, as designed), but logs nothing
    else."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None
        ),
    )
    yield opened
    context.close()
    assert not errors, f"the page logged errors: {errors}"


def fill_editor(page: Page, first_line: str, rest: str) -> None:
    """Replace the editor's text: the first line typed key by key, the rest pasted."""
    expect(page.locator("form.program-form[data-editor=ready]")).to_have_count(1)
    content = page.locator(".cm-content")
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(first_line)
    page.keyboard.press("Enter")
    page.keyboard.insert_text(rest)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_type_a_program_run_it_and_see_its_lanes(
    server: Server, browser: Browser, lang: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/?lang={lang}")
    page.locator("header.site a.write-link").click()
    expect(page).to_have_url(re.compile(r"/write\?lang=" + lang))
    fill_editor(page, "WORKERS = 3", PROGRAM[lang])
    # The editor is Python-aware: keywords are highlighted, lines numbered.
    expect(page.locator(".cm-lineNumbers .cm-gutterElement", has_text="11")).to_have_count(1)
    assert page.locator(".cm-content span").count() > 5
    page.keyboard.press("Control+Enter")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    expect(page).to_have_url(re.compile(r"/runs/\w+\?lang=" + lang))
    # Three threads and the main code, each a lane; the program's link and its modes.
    assert page.locator(".player canvas").count() >= 1
    expect(page.locator(".program-link a")).to_have_attribute("href", re.compile(r"/programs/p"))
    expect(page.locator("#modes a")).to_have_count(3)
    page.locator(".player").focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    screenshot(page, f"write-run-{lang}-{width}")
    # Reloading the run's address shows the same program and run.
    page.reload()
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    assert "WORKERS = 3" in page.locator(".cm-content").inner_text()
    context.close()
    assert not errors, errors


@pytest.mark.parametrize(
    ("lang", "source", "line", "words"),
    [
        ("en", "import threading\nx = 1\nif x\n    pass\n", 3, "syntax error"),
        ("es", "import threading\nimport os\n", 2, "no se puede importar «os»"),
        ("en", "import threading\nx = 0\nwhile True:\n    x += 1\n", 3, "still running"),
    ],
)
def test_a_problem_is_said_in_the_page_language_and_its_line_marked(
    server: Server, page: Page, lang: str, source: str, line: int, words: str
) -> None:
    page.goto(f"{server.url}/write?lang={lang}")
    fill_editor(page, "# mine", source)
    page.locator(".program-actions button[type=submit]").click()
    problem = page.locator("#run-error .program-problem")
    expect(problem).to_contain_text(words, timeout=20_000)
    line += 1  # under the first line the test typed
    expect(problem).to_have_attribute("data-line", str(line))
    expect(problem).to_contain_text(str(line))
    expect(page.locator(f".cm-error-line[data-error-line='{line}']")).to_have_count(1)
    screenshot(page, f"write-problem-{lang}-{line}")
    page.locator(".goto-line").click()
    expect(page.locator(".cm-editor.cm-focused")).to_have_count(1)
    # Changing the program clears the mark.
    page.keyboard.type("x")
    expect(page.locator(".cm-error-line")).to_have_count(0)


def test_an_exception_shows_the_run_and_points_at_its_line(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/write?lang=en")
    fill_editor(
        page, "import threading", "t = threading.Thread(target=print)\nt.start()\nt.start()\n"
    )
    page.keyboard.press("Control+Enter")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    problem = page.locator("#program-result .program-problem")
    expect(problem).to_contain_text("RuntimeError")
    expect(problem).to_have_attribute("data-line", "4")
    expect(page.locator(".cm-error-line[data-error-line='4']")).to_have_count(1)


def test_edit_this_program_opens_the_scenario_in_the_editor(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/scenarios/race-condition?lang=en")
    page.locator(".edit-program a").click()
    expect(page).to_have_url(re.compile(r"/write\?scenario=race-condition"))
    expect(page.locator(".cm-content")).to_contain_text("THREADS = 3")
    expect(page.locator(".cm-content")).to_contain_text("def thread_function")
    page.keyboard.press("Control+Enter")  # nothing focused in the editor yet: nothing happens
    page.locator(".program-actions button[type=submit]").click()
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)


def test_save_as_a_custom_scenario_choose_and_embed_it(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/write?lang=es")
    fill_editor(page, "WORKERS = 2", PROGRAM["es"])
    page.locator(".program-actions button[type=submit]").click()
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator(".save-scenario summary").click()
    page.locator(".save-scenario input[name=title]").fill("Dos trabajadores")
    page.locator(".save-scenario textarea[name=notes]").fill("Mirad quién tiene el candado.")
    page.locator(".save-scenario button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Dos trabajadores")
    expect(page.locator(".program-notes")).to_contain_text("Mirad quién")
    expect(page).to_have_url(re.compile(r"/programs/p\w+\?lang=es"))
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    page.locator(".share summary").click()
    snippet = page.locator("[data-share=snippet]").input_value()
    src = re.search(r'src="([^"]+)"', snippet)
    assert src and "/embed/programs/p" in src.group(1) and "Dos trabajadores" in snippet
    screenshot(page, "write-custom-scenario-es-1280")
    # "You choose" on it: the program's source goes to POST /api/schedules.
    page.locator("#modes a").nth(1).click()
    chooser = page.locator(".chooser[data-state=ready]")
    expect(chooser).to_have_count(1, timeout=20_000)
    # A digit typed in the editor is text, not the choice of a thread.
    page.locator(".cm-content").click()
    page.keyboard.press("End")
    page.keyboard.type("1")
    expect(chooser).to_have_attribute("data-count", "0")
    assert "1" in page.locator(".cm-content").inner_text()
    page.keyboard.press("Backspace")
    page.goto(src.group(1).replace("&amp;", "&"))
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    expect(page.locator("h1")).to_contain_text("Dos trabajadores")
    screenshot(page, "write-custom-embed-es")


def test_the_editor_by_keyboard_alone(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/write?lang=en")
    fill_editor(page, "def f():", "")
    page.keyboard.type("pass")  # the line after a colon is indented by itself
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("x = 1")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")  # Tab indents, it does not leave
    text = page.locator(".cm-content").inner_text()
    assert "\n    pass\n    x = 1" in text, text
    expect(page.locator(".cm-editor.cm-focused")).to_have_count(1)
    # Escape, then Tab: out of the editor, onto the next control.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.locator(".cm-editor.cm-focused")).to_have_count(0)
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Run"
    # The editor's text is named and described for screen readers.
    content = page.locator(".cm-content")
    expect(content).to_have_attribute("aria-label", "Your program")
    expect(content).to_have_attribute("aria-describedby", "editor-help")


def test_switching_language_or_reloading_keeps_the_program_typed(
    server: Server, page: Page
) -> None:
    page.goto(f"{server.url}/write?lang=en")
    example = page.locator(".source-label .hint")
    expect(example).to_be_visible()
    fill_editor(page, "import threading", "print('mine, kept')\nx = (\n")
    # No longer the example: the label stops saying so, also after a run that failed.
    expect(example).to_be_hidden()
    page.locator(".program-actions button[type=submit]").click()
    expect(page.locator("#run-error .program-problem")).to_have_count(1, timeout=20_000)
    expect(example).to_be_hidden()
    page.locator("nav.langs a[hreflang=es]").click()
    expect(page).to_have_url(re.compile(r"/write\?lang=es"))
    expect(page.locator("label.source-label")).to_contain_text("Tu programa")
    expect(page.locator(".cm-content")).to_contain_text("print('mine, kept')")
    expect(page.locator(".source-label .hint")).to_be_hidden()
    note = page.locator(".draft-note")
    expect(note).to_contain_text("tal como lo dejaste")
    screenshot(page, "write-draft-es-1280")
    page.reload()
    expect(page.locator(".cm-content")).to_contain_text("print('mine, kept')")
    # The example is a click away, and the program one more.
    note.locator("button").click()
    expect(page.locator(".cm-content")).to_contain_text("hilos = [threading.Thread")
    expect(page.locator(".source-label .hint")).to_be_visible()
    note.locator("button").click()
    expect(page.locator(".cm-content")).to_contain_text("print('mine, kept')")


def test_edit_this_program_opens_the_scenario_and_offers_the_draft(
    server: Server, page: Page
) -> None:
    page.goto(f"{server.url}/write?lang=en")
    fill_editor(page, "# my draft", "import threading\n")
    page.goto(f"{server.url}/scenarios/race-condition?lang=en")
    page.locator(".edit-program a").click()
    editor = page.locator(".cm-content")
    expect(editor).to_contain_text("def thread_function")  # what the link said, not the draft
    note = page.locator(".draft-note")
    expect(note).to_contain_text("You have a program typed earlier in this browser")
    screenshot(page, "write-draft-offered-en-1280")
    note.locator("button").click()
    expect(editor).to_contain_text("# my draft")
    note.locator("button").click()
    expect(editor).to_contain_text("def thread_function")
    # Edits of the scenario's program are its own draft: kept across a language switch.
    editor.click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("# edited scenario\n")
    expect(note).to_be_hidden()
    page.locator("nav.langs a[hreflang=es]").click()
    expect(page.locator("label.source-label")).to_contain_text("Tu programa")
    expect(editor).to_contain_text("# edited scenario")
    # The blank editor opens with the latest draft.
    page.goto(f"{server.url}/write?lang=en")
    expect(editor).to_contain_text("# edited scenario")


def test_edits_after_a_run_survive_a_reload_of_its_page(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/write?lang=en")
    fill_editor(page, "WORKERS = 2", PROGRAM["en"])
    page.keyboard.press("Control+Enter")
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    expect(page).to_have_url(re.compile(r"/runs/\w+\?lang=en"))
    page.keyboard.type("# after the run\n")
    page.reload()
    expect(page.locator(".player[data-mounted=ready]")).to_have_count(1, timeout=20_000)
    expect(page.locator(".cm-content")).to_contain_text("# after the run")


def test_every_other_draft_is_one_click_from_the_editor(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/write?lang=en")
    fill_editor(page, "# first draft", "import threading\n")
    page.goto(f"{server.url}/write?scenario=join&lang=en")
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("# second draft\n")
    # The blank editor opens with the latest; the one typed there before is listed.
    page.goto(f"{server.url}/write?lang=en")
    expect(editor).to_contain_text("# second draft")
    others = page.locator("details.drafts")
    expect(others).to_be_visible()
    others.locator("summary").click()
    expect(others.locator("li")).to_have_count(1)
    expect(others.locator("li code")).to_have_text("# first draft")
    screenshot(page, "write-drafts-en-1280")
    others.locator("li button").click()
    expect(editor).to_contain_text("# first draft")
    expect(others.locator("li code")).to_have_text("# second draft")
