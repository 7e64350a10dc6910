"""Every word on screen, in Spanish and English, and how a request picks its language.

Two languages and about a hundred short strings: a dictionary per language is simpler to
read, review and test than gettext catalogues (no compile step, and a test fails when a key
is missing from either language). Adding a language is adding a dictionary.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGS", "DEFAULT_LANG", "MESSAGES", "negotiate", "say", "translator"]

LANGS = ("es", "en")
DEFAULT_LANG = "es"

MESSAGES: dict[str, dict[str, str]] = {
    "es": {
        "site.tagline": "Mira lo que hacen de verdad los hilos de Python.",
        "site.skip": "Saltar al contenido",
        "site.lang": "Idioma",
        "site.home": "Escenarios",
        "gallery.title": "Escenarios",
        "gallery.intro": (
            "Cada escenario es un programa corto con hilos reales. Elige uno, pulsa "
            "reproducir y mira cada hilo en su carril: quién tiene cada candado, quién espera "
            "a quién, qué pasa por una cola y dónde se cierra un interbloqueo."
        ),
        "outcome.completed": "termina",
        "outcome.deadlock": "interbloqueo",
        "outcome.stalled": "atascado",
        "outcome.error": "error",
        "outcome.timeout": "tiempo agotado",
        "outcome.limit": "límite",
        "scenario.notice": "Qué mirar",
        "scenario.params": "Parámetros",
        "scenario.run": "Ejecutar de nuevo",
        "scenario.running": "Ejecutando los hilos…",
        "scenario.code": "Código",
        "scenario.player": "Reproductor",
        "scenario.default_run": "Ejecución con los valores por defecto",
        "run.title": "Ejecución guardada",
        "run.of": "Ejecución de",
        "run.params": "Valores usados",
        "run.permalink": "Enlace permanente",
        "run.outcome": "Resultado",
        "error.title": "No se pudo",
        "error.busy": "El servidor está ocupado ejecutando otros hilos. Prueba en unos segundos.",
        "error.no_run": "No hay ninguna ejecución guardada «{id}».",
        "error.no_page": "No hay ninguna página en {path}.",
        "value.yes": "sí",
        "value.no": "no",
        "error.no_scenario": "No hay ningún escenario «{id}»; mira la lista de escenarios.",
        "error.option": "La opción «{name}» admite {allowed}; recibió «{got}».",
        "error.param.int": (
            "«{label}» tiene que ser un número entero entre {min} y {max}; recibió «{got}»."
        ),
        "error.param.float": (
            "«{label}» tiene que ser un número entre {min} y {max}; recibió «{got}»."
        ),
        "error.param.bool": "«{label}» tiene que ser sí o no; recibió «{got}».",
        "error.param.empty": "Falta un valor para «{label}».",
        "embed.error": "Este reproductor no se puede mostrar",
        "player.play": "Reproducir",
        "player.pause": "Pausa",
        "player.back": "Paso atrás",
        "player.forward": "Paso adelante",
        "player.restart": "Al principio",
        "player.end": "Al final",
        "player.speed": "Velocidad",
        "player.view": "Escala",
        "player.view.time": "tiempo real (ms)",
        "player.view.steps": "un evento por paso",
        "player.scrub": "Posición",
        "player.narration": "Narración",
        "player.code": "Código que se ejecutó",
        "player.summary": "Resumen",
        "player.blocked": "Tiempo bloqueado y esperando",
        "player.blocked.row": "{thread}: {blocked} ms bloqueado · {waiting} ms esperando",
        "player.start": "Pulsa reproducir, o avanza paso a paso con → (la narración aparece aquí).",
        "player.legend": "Leyenda",
        "state.running": "ejecutando",
        "state.ready": "listo, esperando al intérprete",
        "state.blocked": "bloqueado en un candado",
        "state.waiting": "esperando",
        "player.timer": "hasta que llegue su hora (Timer)",
        "state.sleeping": "durmiendo",
        "state.finished": "terminado",
        "player.keys": "Espacio: reproducir/pausa · ←/→: paso · Inicio/Fin",
        "player.noscript": "El reproductor necesita JavaScript.",
        "embed.open": "Abrir en Hilos",
        "run.download": "Descargar (HTML, funciona sin conexión)",
        "run.perfetto": "Exportar para Perfetto",
        "share.title": "Compartir / insertar",
        "share.permalink": "Enlace permanente",
        "share.options": "Opciones del reproductor insertado",
        "share.autoplay": "Reproducir al cargar",
        "share.controls": "Controles",
        "share.controls.full": "todos",
        "share.controls.minimal": "mínimos",
        "share.snippet": "Código para insertar (iframe)",
        "share.copy": "Copiar",
        "share.copied": "Copiado",
        "share.note": (
            "Pega el código en una página de Canvas, Moodle u otro LMS. El reproductor ajusta "
            "su altura solo donde la plataforma lo permite y ofrece abrirlo en una pestaña nueva."
        ),
        "embed.new_tab": "se abre en una pestaña nueva",
        "player.cycle": "Interbloqueo: el ciclo se cierra",
        "player.cycle.step": "{thread} espera {object}, que tiene {holder}",
        "player.cycle.join": "{thread} espera a que termine {holder}",
        "player.stall": "Atascado: todos esperan y nadie puede despertarlos",
        "player.stall.step": "{thread} espera en {kind} de {object}",
        "player.potential": "Interbloqueos posibles",
        "player.potential.none": "Ningún par de candados se toma en órdenes opuestos.",
        "player.longest": "Espera más larga",
        "player.longest.cut": "y seguía esperando cuando Hilos detuvo la ejecución",
        "player.ms": "{ms} ms",
        "player.legend.read": (
            "lectura (hueca, en el color del hilo; si se amontonan, una raya encima)"
        ),
        "player.legend.write": "escritura (rellena; si se amontonan, una raya debajo)",
        "player.legend.lost": (
            "actualización perdida: la escritura pisada sin que nadie la lea, tachada; la flecha "
            "va de la lectura ya vieja a la escritura que la pisa"
        ),
        "player.access.read": "{thread} lee `{variable}`: {value} (línea {line})",
        "player.access.write": "{thread} escribe {value} en `{variable}` (línea {line})",
        "player.lost": "Actualización perdida",
        "player.lost.title": "Actualizaciones perdidas",
        "player.lost.read": "lectura que se queda vieja",
        "player.lost.overwritten": "pisada sin que nadie la lea",
        "player.lost.write": "calculada con un valor viejo",
        "player.lost.more": "y {n} más: la narración cuenta cada una cuando pasa",
        "player.races": "Carreras de datos",
        "player.words": "Los carriles en palabras",
        "player.words.line": "línea {line}",
        "player.words.held": "{object}: lo tiene {thread}",
        "player.words.free": "{object}: libre",
        "player.words.queue": "{object}: {n} en la cola",
        "player.words.set": "{object}: activado",
        "player.words.clear": "{object}: sin activar",
        "player.words.by": "lo escribió {thread} (línea {line})",
        "player.words.none": "{variable}: todavía sin valor",
    },
    "en": {
        "site.tagline": "See what Python threads really do.",
        "site.skip": "Skip to content",
        "site.lang": "Language",
        "site.home": "Scenarios",
        "gallery.title": "Scenarios",
        "gallery.intro": (
            "Each scenario is a short program with real threads. Pick one, press play and "
            "watch every thread in its own lane: who holds each lock, who waits for whom, "
            "what passes through a queue and where a deadlock closes."
        ),
        "outcome.completed": "completes",
        "outcome.deadlock": "deadlock",
        "outcome.stalled": "stalled",
        "outcome.error": "error",
        "outcome.timeout": "timed out",
        "outcome.limit": "limit",
        "scenario.notice": "What to notice",
        "scenario.params": "Parameters",
        "scenario.run": "Run again",
        "scenario.running": "Running the threads…",
        "scenario.code": "Code",
        "scenario.player": "Player",
        "scenario.default_run": "Run with the default values",
        "run.title": "Saved run",
        "run.of": "Run of",
        "run.params": "Values used",
        "run.permalink": "Permalink",
        "run.outcome": "Outcome",
        "error.title": "Could not do that",
        "error.busy": "The server is busy running other threads. Try again in a few seconds.",
        "error.no_run": "There is no saved run “{id}”.",
        "error.no_page": "There is no page at {path}.",
        "value.yes": "yes",
        "value.no": "no",
        "error.no_scenario": "There is no scenario “{id}”; see the list of scenarios.",
        "error.option": "The option “{name}” takes {allowed}; it got “{got}”.",
        "error.param.int": (
            "“{label}” must be a whole number between {min} and {max}; it got “{got}”."
        ),
        "error.param.float": "“{label}” must be a number between {min} and {max}; it got “{got}”.",
        "error.param.bool": "“{label}” must be yes or no; it got “{got}”.",
        "error.param.empty": "“{label}” needs a value.",
        "embed.error": "This player cannot be shown",
        "player.play": "Play",
        "player.pause": "Pause",
        "player.back": "Step back",
        "player.forward": "Step forward",
        "player.restart": "To the start",
        "player.end": "To the end",
        "player.speed": "Speed",
        "player.view": "Scale",
        "player.view.time": "real time (ms)",
        "player.view.steps": "one event per step",
        "player.scrub": "Position",
        "player.narration": "Narration",
        "player.code": "The code that ran",
        "player.summary": "Summary",
        "player.blocked": "Time blocked and waiting",
        "player.blocked.row": "{thread}: {blocked} ms blocked · {waiting} ms waiting",
        "player.start": "Press play, or step forward with → (the narration shows up here).",
        "player.legend": "Legend",
        "state.running": "running",
        "state.ready": "ready, waiting for the interpreter",
        "state.blocked": "blocked on a lock",
        "state.waiting": "waiting",
        "player.timer": "until its time comes (Timer)",
        "state.sleeping": "sleeping",
        "state.finished": "finished",
        "player.keys": "Space: play/pause · ←/→: step · Home/End",
        "player.noscript": "The player needs JavaScript.",
        "embed.open": "Open in Hilos",
        "run.download": "Download (HTML, works offline)",
        "run.perfetto": "Export for Perfetto",
        "share.title": "Share / embed",
        "share.permalink": "Permalink",
        "share.options": "Options of the embedded player",
        "share.autoplay": "Play on load",
        "share.controls": "Controls",
        "share.controls.full": "all",
        "share.controls.minimal": "minimal",
        "share.snippet": "Embed code (iframe)",
        "share.copy": "Copy",
        "share.copied": "Copied",
        "share.note": (
            "Paste the code into a Canvas, Moodle or other LMS page. The player adjusts its "
            "height where the platform allows it and offers to open in a new tab."
        ),
        "embed.new_tab": "opens in a new tab",
        "player.cycle": "Deadlock: the cycle closes",
        "player.cycle.step": "{thread} waits for {object}, held by {holder}",
        "player.cycle.join": "{thread} waits for {holder} to finish",
        "player.stall": "Stalled: everyone waits and nobody can wake them",
        "player.stall.step": "{thread} waits in {kind} of {object}",
        "player.potential": "Possible deadlocks",
        "player.potential.none": "No two locks are taken in opposite orders.",
        "player.longest": "Longest wait",
        "player.longest.cut": "and still waiting when Hilos stopped the run",
        "player.ms": "{ms} ms",
        "player.legend.read": (
            "read (hollow, in the thread's colour; where they crowd, a tick above)"
        ),
        "player.legend.write": "write (filled; where they crowd, a tick below)",
        "player.legend.lost": (
            "lost update: the write overwritten before anyone read it, crossed out; the arrow "
            "goes from the stale read to the write that overwrote it"
        ),
        "player.access.read": "{thread} reads `{variable}`: {value} (line {line})",
        "player.access.write": "{thread} writes {value} to `{variable}` (line {line})",
        "player.lost": "Lost update",
        "player.lost.title": "Lost updates",
        "player.lost.read": "a read that goes stale",
        "player.lost.overwritten": "overwritten before anyone read it",
        "player.lost.write": "computed from a stale value",
        "player.lost.more": "and {n} more: the narration tells each one as it happens",
        "player.races": "Data races",
        "player.words": "The lanes in words",
        "player.words.line": "line {line}",
        "player.words.held": "{object}: held by {thread}",
        "player.words.free": "{object}: free",
        "player.words.queue": "{object}: {n} queued",
        "player.words.set": "{object}: set",
        "player.words.clear": "{object}: not set",
        "player.words.by": "written by {thread} (line {line})",
        "player.words.none": "{variable}: no value yet",
    },
}


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """`?lang=` first (any case, a region ignored: `EN`, `es-MX`), then Accept-Language by its
    q-weights, then Spanish."""
    if requested:
        base = requested.strip().lower().replace("_", "-").split("-")[0]
        if base in LANGS:
            return base
    best, best_q = DEFAULT_LANG, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        base = tag.strip().lower().split("-")[0]
        if base not in LANGS:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:  # strictly: an earlier entry wins a tie
            best, best_q = base, q
    return best if best_q > 0 else DEFAULT_LANG


def translator(lang: str) -> Mapping[str, str]:
    return MESSAGES[lang]


def say(lang: str, key: str, **values: object) -> str:
    """One message of the catalogue in `lang`, its {placeholders} filled in."""
    return MESSAGES[lang][key].format(**values)
