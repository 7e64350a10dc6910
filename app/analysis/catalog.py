"""The sentences of the narration, one dictionary per language.

Placeholders: {thread} and {other} are thread names, {obj} an object's label (the template
puts it in backticks), {item} a value ({old}: the value it replaced), {ms} / {s} durations
already formatted for the language, {n} a number or a line ({m}: a second line), {text}
printed text. Adding a language is adding a dictionary with
the same keys (a test checks they match).
"""

from __future__ import annotations

__all__ = ["CATALOG", "REASONS"]

CATALOG: dict[str, dict[str, str]] = {
    "es": {
        "thread_start": "{thread} pone en marcha {other}.",
        "thread_end": "{thread} terminó.",
        "thread_error": "{thread} se detiene con {type}: {message}",
        "thread_abort": "Hilos detiene {thread} ({reason}).",
        "thread_abort.daemon": "{thread} se corta en seco: el programa terminó y es daemon.",
        "join_request": "{thread} espera a que termine {other}.",
        "join_request.timeout": "{thread} espera a que termine {other}, como mucho {s} s.",
        "join_return": "{thread} sigue: {other} terminó.",
        "join_return.alive": "{thread} deja de esperar, pero {other} sigue vivo.",
        "acquire": "{thread} toma `{obj}`.",
        "acquire_request": "{thread} espera `{obj}`.",
        "acquire_request.held": "{thread} espera `{obj}`, que tiene {other}.",
        "acquire_request.self": "{thread} pide otra vez `{obj}`, que ya tiene: se espera a sí.",
        "acquire_granted": "{thread} consigue `{obj}` tras esperar {ms} ms.",
        "acquire_granted.ready": (
            "{thread} se queda con `{obj}` tras esperar {ms} ms: ya es suyo, pero espera su "
            "turno en el intérprete para seguir."
        ),
        "acquire_timeout": "{thread} se rinde con `{obj}`: se acabó el tiempo.",
        "acquire_fail": "{thread} encuentra `{obj}` ocupado y no espera.",
        "release": "{thread} suelta `{obj}`.",
        "release.level": "{thread} suelta `{obj}` una vez; todavía lo tiene ({n} más).",
        "wait_request.Event": "{thread} espera la señal `{obj}`.",
        "wait_request": "{thread} espera en `{obj}` y suelta su candado mientras tanto.",
        "wait_return.Event": "{thread} despierta: `{obj}` está activa.",
        "wait_return": "{thread} despierta en `{obj}` y vuelve a tener su candado.",
        "wait_return.timeout": "{thread} deja de esperar `{obj}`: se acabó el tiempo.",
        "set": "{thread} activa `{obj}`: quien la espera despierta.",
        "clear": "{thread} desactiva `{obj}`.",
        "notify": "{thread} avisa en `{obj}` y despierta a {n}.",
        "notify.none": "{thread} avisa en `{obj}`, pero nadie esperaba.",
        "put": "{thread} pone {item} en `{obj}`.",
        "put_request": "{thread} quiere poner {item} en `{obj}`, pero está llena: espera lugar.",
        "put_done": "{thread} pone {item} en `{obj}` tras esperar lugar.",
        "put_timeout": "{thread} no pudo poner {item} en `{obj}`: está llena.",
        "get": "{thread} saca {item} de `{obj}`.",
        "get_request": "{thread} espera algo en `{obj}`, que está vacía.",
        "get_done": "{thread} saca {item} de `{obj}` tras esperar.",
        "get_timeout": "{thread} encontró `{obj}` vacía: queue.Empty.",
        "task_done": "{thread} marca una tarea de `{obj}` como hecha (quedan {n}).",
        "queue_join_request": "{thread} espera a que se terminen todas las tareas de `{obj}`.",
        "queue_join_return": "{thread} sigue: todas las tareas de `{obj}` están hechas.",
        "barrier_request": "{thread} llega a `{obj}` y espera a los demás.",
        "barrier_pass": "{thread} pasa `{obj}` (turno {n}).",
        "barrier_broken": "{thread} encuentra `{obj}` rota.",
        "barrier_reset": "{thread} reinicia `{obj}`.",
        "barrier_abort": "{thread} rompe `{obj}`.",
        "sleep_request": "{thread} duerme {ms} ms.",
        "timer_schedule": "{thread} programa {other} para dentro de {s} s.",
        "timer_fire": "{thread} se dispara: llegó su hora.",
        "timer_cancel": "{thread} cancela {other}.",
        "print": "{thread} imprime «{text}».",
        "read": "{thread} lee `{obj}`: {item}.",
        "write": "{thread} escribe {item} en `{obj}`.",
        "write.lost": (
            "{thread} escribe {item} en `{obj}` sobre el {old} que {other} escribió en la línea "
            "{n}, sin haberlo leído: la actualización de {other} se pierde."
        ),
        "race": (
            "{thread} (línea {n}) y {other} (línea {m}) usan `{obj}` sin un candado en común y "
            "sin nada que los ordene: podrían perder actualizaciones, aunque esta vez no pasó."
        ),
        "race.lost": (
            "Esta ejecución perdió actualizaciones de `{obj}` porque {thread} (línea {n}) y "
            "{other} (línea {m}) lo usan sin un candado en común y sin nada que los ordene."
        ),
        "race.read": (
            "{thread} (línea {n}) y {other} (línea {m}) usan `{obj}` sin un candado en común y "
            "sin nada que los ordene: el valor leído depende de quién llegue primero."
        ),
        "deadlock": "Interbloqueo: {steps}.",
        "deadlock.step": "{thread} espera `{obj}` (de {other})",
        "deadlock.join": "{thread} espera a que termine {other}",
        "stall": "Atasco: todos esperan y nadie puede despertarlos. {steps}.",
        "stall.step": "{thread} espera en {kind}() de `{obj}`",
        "stall.kind": "{thread} espera en {kind}()",
        "potential": (
            "{locks} se toman en órdenes opuestos y podrían trabarse aunque esta vez no: {steps}."
        ),
        "potential.closed": (
            "{locks} se toman en órdenes opuestos, y así se trabó esta ejecución: {steps}."
        ),
        "potential.step": "{thread} tiene `{obj}` y pide `{other}` (línea {n})",
        "and": " y ",
        "sep": "; ",
    },
    "en": {
        "thread_start": "{thread} starts {other}.",
        "thread_end": "{thread} finished.",
        "thread_error": "{thread} stops with {type}: {message}",
        "thread_abort": "Hilos stops {thread} ({reason}).",
        "thread_abort.daemon": "{thread} is cut off: the program ended and it is a daemon.",
        "join_request": "{thread} waits for {other} to finish.",
        "join_request.timeout": "{thread} waits for {other} to finish, at most {s} s.",
        "join_return": "{thread} goes on: {other} has finished.",
        "join_return.alive": "{thread} stops waiting, but {other} is still alive.",
        "acquire": "{thread} takes `{obj}`.",
        "acquire_request": "{thread} waits for `{obj}`.",
        "acquire_request.held": "{thread} waits for `{obj}`, held by {other}.",
        "acquire_request.self": (
            "{thread} asks again for `{obj}`, which it holds: it waits for itself."
        ),
        "acquire_granted": "{thread} gets `{obj}` after waiting {ms} ms.",
        "acquire_granted.ready": (
            "{thread} is handed `{obj}` after waiting {ms} ms: it holds it now, but must wait "
            "for its turn in the interpreter to go on."
        ),
        "acquire_timeout": "{thread} gives up on `{obj}`: time is up.",
        "acquire_fail": "{thread} finds `{obj}` taken and does not wait.",
        "release": "{thread} releases `{obj}`.",
        "release.level": "{thread} releases `{obj}` once; it still holds it ({n} more).",
        "wait_request.Event": "{thread} waits for the signal `{obj}`.",
        "wait_request": "{thread} waits in `{obj}`, releasing its lock meanwhile.",
        "wait_return.Event": "{thread} wakes up: `{obj}` is set.",
        "wait_return": "{thread} wakes up in `{obj}` and holds its lock again.",
        "wait_return.timeout": "{thread} stops waiting for `{obj}`: time is up.",
        "set": "{thread} sets `{obj}`: whoever waits for it wakes up.",
        "clear": "{thread} clears `{obj}`.",
        "notify": "{thread} notifies `{obj}`, waking {n}.",
        "notify.none": "{thread} notifies `{obj}`, but nobody was waiting.",
        "put": "{thread} puts {item} in `{obj}`.",
        "put_request": "{thread} wants to put {item} in `{obj}`, but it is full: it waits.",
        "put_done": "{thread} puts {item} in `{obj}` after waiting for room.",
        "put_timeout": "{thread} could not put {item} in `{obj}`: it is full.",
        "get": "{thread} takes {item} from `{obj}`.",
        "get_request": "{thread} waits for something in `{obj}`, which is empty.",
        "get_done": "{thread} takes {item} from `{obj}` after waiting.",
        "get_timeout": "{thread} found `{obj}` empty: queue.Empty.",
        "task_done": "{thread} marks a task of `{obj}` done ({n} left).",
        "queue_join_request": "{thread} waits until every task of `{obj}` is done.",
        "queue_join_return": "{thread} goes on: every task of `{obj}` is done.",
        "barrier_request": "{thread} reaches `{obj}` and waits for the others.",
        "barrier_pass": "{thread} passes `{obj}` (turn {n}).",
        "barrier_broken": "{thread} finds `{obj}` broken.",
        "barrier_reset": "{thread} resets `{obj}`.",
        "barrier_abort": "{thread} breaks `{obj}`.",
        "sleep_request": "{thread} sleeps {ms} ms.",
        "timer_schedule": "{thread} schedules {other} to fire in {s} s.",
        "timer_fire": "{thread} fires: its time has come.",
        "timer_cancel": "{thread} cancels {other}.",
        "print": '{thread} prints "{text}".',
        "read": "{thread} reads `{obj}`: {item}.",
        "write": "{thread} writes {item} to `{obj}`.",
        "write.lost": (
            "{thread} writes {item} to `{obj}` over the {old} {other} wrote at line {n}, "
            "without having read it: {other}'s update is lost."
        ),
        "race": (
            "{thread} (line {n}) and {other} (line {m}) use `{obj}` with no lock in common and "
            "nothing ordering them: they could lose updates, even though this run did not."
        ),
        "race.lost": (
            "This run lost updates of `{obj}` because {thread} (line {n}) and {other} "
            "(line {m}) use it with no lock in common and nothing ordering them."
        ),
        "race.read": (
            "{thread} (line {n}) and {other} (line {m}) use `{obj}` with no lock in common and "
            "nothing ordering them: the value read depends on who gets there first."
        ),
        "deadlock": "Deadlock: {steps}.",
        "deadlock.step": "{thread} waits for `{obj}` (held by {other})",
        "deadlock.join": "{thread} waits for {other} to finish",
        "stall": "Stalled: everyone waits and nobody can wake them. {steps}.",
        "stall.step": "{thread} waits in {kind}() of `{obj}`",
        "stall.kind": "{thread} waits in {kind}()",
        "potential": (
            "{locks} are taken in opposite orders and could deadlock, even if not this time: "
            "{steps}."
        ),
        "potential.closed": (
            "{locks} are taken in opposite orders, which is how this run deadlocked: {steps}."
        ),
        "potential.step": "{thread} holds `{obj}` and asks for `{other}` (line {n})",
        "and": " and ",
        "sep": "; ",
    },
}

# Why Hilos stopped a thread, in words.
REASONS: dict[str, dict[str, str]] = {
    "es": {
        "deadlock": "interbloqueo",
        "stalled": "atasco",
        "timeout": "tiempo agotado",
        "limit": "límite alcanzado",
    },
    "en": {
        "deadlock": "deadlock",
        "stalled": "stall",
        "timeout": "time limit",
        "limit": "limit reached",
    },
}
