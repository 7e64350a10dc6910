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
        "outcome.interrupted": "interrumpido (Ctrl+C)",
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
        "error.store": "Ahora no se pueden guardar ni leer ejecuciones: el almacenamiento del "
        "servidor no responde. Prueba dentro de un rato; si sigue así, avisa a quien administra "
        "Hilos.",
        "error.too_many_runs": (
            "Has pedido muchas ejecuciones seguidas. Espera unos segundos y vuelve a probar."
        ),
        "error.back": "Volver al escenario",
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
        "api.error.json": "El cuerpo no es JSON válido ({error}, en el carácter {pos}).",
        "api.error.program_needed": (
            "Falta qué ejecutar: da «scenario» (un identificador) o «source» (un programa)."
        ),
        "api.error.program_both": "Da «scenario» o «source», no los dos.",
        "api.error.missing": "Falta «{field}».",
        "api.error.too_many_runs": "Has pedido muchas ejecuciones seguidas: vuelve a probar "
        "dentro de {seconds} s.",
        "api.error.unknown": "«{field}» no es un campo de esta petición (los que acepta: {known}).",
        "api.error.too_long": "«{field}» es demasiado largo: como mucho {max}.",
        "api.error.too_short": "«{field}» es demasiado corto: al menos {min}.",
        "api.error.too_small": "«{field}» tiene que ser al menos {min}; recibió «{got}».",
        "api.error.too_big": "«{field}» tiene que ser como mucho {max}; recibió «{got}».",
        "api.error.type": "«{field}» tiene que ser {kind}; recibió «{got}».",
        "api.error.invalid": "«{field}» no es válido ({reason}).",
        "api.error.unknown_param": "«{name}» no es un parámetro de este escenario; tiene: {known}.",
        "api.error.lang": "El idioma «{got}» no está: hay {allowed}.",
        "api.kind.int": "un número entero",
        "api.kind.float": "un número",
        "api.kind.bool": "true o false",
        "api.kind.string": "un texto",
        "api.kind.object": "un objeto JSON",
        "api.kind.list": "una lista",
        "api.kind.value": "un número, true o false, o un texto",
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
        "player.predict.title": "Predice primero",
        "player.predict.yes": "Sí, termina",
        "player.predict.no": "No, se queda bloqueado",
        "player.predict.answer": "Tu respuesta",
        "player.predict.check": "Reproducir y comprobar",
        "player.predict.skip": "Reproducir sin predecir",
        "player.predict.waiting": "Tu predicción: {answer}. Mira la ejecución hasta el final…",
        "player.predict.right": "¡Acertaste! Dijiste {answer}. {truth}",
        "player.predict.quoted": "«{answer}»",
        "player.predict.wrong": "Esta vez no: dijiste {answer}. {truth}",
        "player.predict.finished": "Todos los hilos terminaron.",
        "player.predict.stuck": "No terminó: {outcome}.",
        "player.predict.value": "El valor final de `{variable}` fue {value}.",
        "player.predict.unknown": (
            "Esta ejecución no escribió `{variable}`: no hay total que comparar."
        ),
        "predict.on": "Predice primero",
        "predict.off": "Ver sin predecir",
        "predict.notice": "(ábrelo después de predecir: cuenta el final)",
        "predict.description": (
            "La explicación aparece cuando la ejecución haya terminado: primero, tu predicción."
        ),
        "player.legend": "Leyenda",
        "state.running": "ejecutando",
        "state.ready": "listo, esperando al intérprete",
        "state.blocked": "bloqueado en un candado",
        "state.waiting": "esperando",
        "player.timer": "hasta que llegue su hora (Timer)",
        "state.sleeping": "durmiendo",
        "state.finished": "terminado",
        "player.keys": "Espacio: reproducir/pausa · ←/→: paso · Inicio/Fin",
        "player.name": "Reproductor de la ejecución",
        "player.controls": "Controles del reproductor",
        "player.noscript": "El reproductor necesita JavaScript.",
        "embed.open": "Abrir en Hilos",
        "run.download": "Descargar (HTML, funciona sin conexión)",
        "run.perfetto": "Exportar para Perfetto",
        # -- Programs people write ("Escribe el tuyo") ---------------------------------------
        "write.title": "Escribe el tuyo",
        "write.intro": (
            "Escribe o pega un programa con hilos y ejecútalo: lo verás en el mismo reproductor "
            "que los escenarios, con su narración, «Tú eliges» y la exploración de todos los "
            "órdenes. Cada programa ejecutado tiene su enlace permanente."
        ),
        "write.source": "Tu programa",
        "write.help": (
            "Tab sangra y Mayús+Tab quita sangría; para salir del editor pulsa Esc y después "
            "Tab. Ctrl+Intro ejecuta."
        ),
        "write.run": "Ejecutar",
        "write.running": "Ejecutando tu programa…",
        "write.limits": "Límites",
        "write.limit.size": "Como mucho {n} caracteres.",
        "write.limit.time": "Cada ejecución se detiene a los {s} s.",
        "write.limit.threads": "Como mucho {n} hilos.",
        "write.limit.events": "Como mucho {n} eventos registrados.",
        "write.limit.imports": "Se puede importar: {allowed}.",
        "write.limit.params": (
            "Las constantes en MAYÚSCULAS del nivel superior (HILOS = 3) son los valores del "
            "programa: la API los acepta en «params»."
        ),
        "write.edit": "Editar este programa",
        "write.gallery": "escribe o pega tu propio programa con hilos y míralo igual que estos.",
        "write.starter": "Un ejemplo para empezar",
        "write.save.title": "Guardar como escenario propio",
        "write.save.intro": (
            "Ponle un título y unas notas para tus estudiantes: tendrá su propia página y "
            "podrás incrustarlo como un escenario más. Lo guardado no cambia nunca: si lo "
            "editas y guardas otra vez, es un escenario nuevo con otra dirección."
        ),
        "write.save.name": "Título",
        "write.save.notes": "Notas (opcional)",
        "write.save.button": "Guardar",
        "write.error.title": "El escenario necesita un título.",
        "write.error.long": "«{field}» admite como mucho {n} caracteres; tiene {got}.",
        "program.title": "Programa",
        "program.custom": "Escenario propio",
        "program.permalink": "Enlace del programa",
        "program.none": "ninguno",
        "program.line": "Ir a la línea {line}",
        "program.type.bool": "True o False",
        "program.type.int": "un número entero",
        "program.type.float": "un número",
        "program.type.str": "un texto",
        "error.no_program": "No hay ningún programa guardado «{id}».",
        "error.not_its_run": "La ejecución «{id}» no es la del programa «{program}».",
        "program.error.size": (
            "El programa tiene {n} caracteres; el límite es {max}. Acórtalo un poco."
        ),
        "program.error.empty": "El programa está vacío: escribe algo antes de ejecutarlo.",
        "program.error.syntax": "Línea {line}: error de sintaxis: {detail}",
        "program.error.source": "El programa no se puede leer: {detail}.",
        "program.error.nesting": (
            "El programa anida expresiones más hondo de lo que Python puede leer; sepáralas en "
            "varias líneas."
        ),
        "program.error.relative": "Línea {line}: aquí no se admiten importaciones relativas.",
        "program.error.import": (
            "Línea {line}: aquí no se puede importar «{name}»; un programa de Hilos puede "
            "importar {allowed}."
        ),
        "program.error.param.unknown": (
            "«{name}» no es un valor de este programa; sus valores son sus constantes en "
            "MAYÚSCULAS: {known}."
        ),
        "program.error.param.lines": (
            "«{name}» ocupa varias líneas en el programa; escríbelo en una para darle valor."
        ),
        "program.error.param": (
            "«{name}» tiene que ser {kind}, como en el programa; recibió {got}."
        ),
        "program.error.timeout": (
            "Línea {line}: el programa seguía ejecutándose a los {s} s, el límite. ¿Un bucle "
            "que no termina?"
        ),
        "program.error.timeout.nowhere": (
            "El programa seguía ejecutándose a los {s} s, el límite. ¿Un bucle que no termina?"
        ),
        "program.error.threads": (
            "Línea {line}: el programa intentó arrancar más de {n} hilos, el límite."
        ),
        "program.error.events": "El programa registró más de {n} eventos, el límite.",
        "program.error.memory": (
            "El programa usó más de {n} MiB de memoria, el límite: ¿una lista que no para de "
            "crecer, o demasiados hilos?"
        ),
        "program.error.output": (
            "El resultado del programa pasó de {n} KiB, el límite: ¿imprime o registra demasiado?"
        ),
        "program.error.crashed": (
            "El proceso del programa terminó sin dar un resultado (lo detuvo una señal o salió "
            "por su cuenta)."
        ),
        "program.error.refused": (
            "El resultado del programa no superó las comprobaciones del servidor, así que no se "
            "muestra: un programa no puede inventarse su propia ejecución."
        ),
        "program.error.unavailable": (
            "Este servidor no puede aislar programas ahora mismo, así que no ejecuta los que "
            "se escriben aquí. Los escenarios siguen funcionando."
        ),
        "program.error.exception": "Línea {line}: el programa lanzó {type}: {detail}",
        "program.error.exception.nowhere": "El programa lanzó {type}: {detail}",
        "program.error.thread": (
            "Línea {line}: {thread} lanzó {type}: {detail} (ese hilo terminó; el resto del "
            "programa siguió, como en Python)"
        ),
        "program.error.syntax.python": (
            "Línea {line}: error de sintaxis (Python lo dice en inglés: «{detail}»)."
        ),
        "program.error.timeout.thread": (
            "Línea {line}: {thread} seguía ejecutándose a los {s} s, el límite. ¿Un bucle que "
            "no termina?"
        ),
        "program.raised": "El programa lanzó una excepción",
        "write.draft.restored": "Tu programa, tal como lo dejaste en este navegador.",
        "write.draft.offered": "Tienes un programa escrito antes en este navegador ({when}).",
        "write.draft.original": "Ver el original",
        "write.draft.example": "Ver el ejemplo",
        "write.draft.open": "Abrirlo",
        "write.drafts": "Tus otros borradores en este navegador",
        "write.drafts.open": "Abrir",
        "share.title": "Compartir / insertar",
        "share.permalink": "Enlace permanente",
        "share.options": "Opciones del reproductor insertado",
        "share.autoplay": "Reproducir al cargar",
        "share.predict": "Predecir primero (una pregunta antes de reproducir)",
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
        "player.words.waits": "espera {object}, que tiene {holder}",
        "player.lanes": "Los hilos en el tiempo: estado de cada hilo y quién tiene cada candado",
        "player.mark.stopped": "detenido por Hilos (no terminó)",
        "player.mark.daemon": "daemon cortado al terminar el programa",
        "player.mark.timer_cancel": "Timer cancelado: no llegará a ejecutarse",
        "player.words.mark.stopped": "{thread}: detenido por Hilos",
        "player.words.mark.daemon": "{thread}: daemon cortado al terminar el programa",
        "player.words.mark.timer_cancel": "{thread}: Timer cancelado",
        "player.daemon": "daemon",
        "player.tasks": "tareas sin terminar",
        "player.tasks.now": "{n} tareas sin terminar",
        "player.barrier.now": "llegaron {k} de {n}",
        "outcome.paused": "en pausa: te toca",
        "mode.nav": "Modo",
        "mode.play": "Ver una ejecución",
        "mode.choose": "Tú eliges",
        "mode.choose.params": "Elegir con estos valores",
        "error.choices": (
            "«choices» tiene que ser una lista de nombres de hilos separados por comas (un "
            "nombre puede acabar en *N para repetirse N veces), con {max} elecciones como "
            "mucho; recibió «{got}»."
        ),
        "error.choices_mode": "«{name}» solo vale con mode=choose.",
        "error.predict_mode": "«{name}» solo vale al ver una ejecución (mode=play).",
        "error.compare.a": (
            "Falta la ejecución que se compara: /compare?a=ID (el de una ejecución guardada)."
        ),
        "error.compare.b": "«{got}» no es el enlace ni el identificador de una ejecución guardada.",
        "error.compare.scenario": (
            "Esta ejecución no es de un escenario: elige otra ejecución guardada."
        ),
        "error.compare.set": "«{got}» no es un valor de este escenario (NOMBRE=valor).",
        "compare.title": "Comparar dos ejecuciones",
        "compare.with": "Comparar con…",
        "compare.intro": (
            "Las dos ejecuciones, una junto a la otra. Los controles de «Las dos a la vez» "
            "mueven las dos juntas: paso a paso, o al mismo instante en milisegundos."
        ),
        "compare.pick": "¿Con qué la comparas?",
        "compare.pick.scenario": "«{title}», con sus valores por defecto",
        "compare.pick.flip": "El mismo escenario con «{label}»: {value}",
        "compare.pick.again": (
            "Otra ejecución con los mismos valores (los hilos pueden ir en otro orden)"
        ),
        "compare.pick.other": "Otra ejecución guardada: su enlace o su identificador",
        "compare.go": "Comparar",
        "compare.differences": "Qué cambia",
        "compare.differences.none": "Ninguna de estas cifras cambia de una ejecución a la otra.",
        "compare.differences.some": "Cambia: {what}.",
        "compare.figure": "Cifra",
        "compare.row.outcome": "Resultado",
        "compare.row.events": "Eventos",
        "compare.row.duration": "Duración",
        "compare.row.final": "Valor final de {variable}",
        "compare.row.lost": "Actualizaciones perdidas",
        "compare.row.cycle": "Ciclo del interbloqueo",
        "compare.row.waited": "Espera de {thread}",
        "compare.waited": "{blocked} bloqueado · {waiting} esperando",
        "compare.differs": "distinto",
        "compare.both": "Las dos a la vez",
        "compare.align": "Alinear",
        "compare.align.steps": "por pasos",
        "compare.align.time": "por tiempo (ms)",
        "compare.values": "Valores",
        "compare.open": "Abrir esta ejecución",
        "error.choose_run": (
            "Una ejecución guardada se reproduce tal como ocurrió: el modo «Tú eliges» es de "
            "los escenarios (/embed/scenarios/ID?mode=choose)."
        ),
        "player.choose.title": "Tú eliges: eres el planificador",
        "player.choose.intro": (
            "En cada paso en que más de un hilo puede seguir, decides tú cuál. Pulsa un hilo "
            "(o su número en el teclado) y mira lo que hace; los pasos sin elección se dan solos."
        ),
        "player.choose.next": "¿Quién sigue?",
        "player.choose.decision": "Decisión {n}",
        "player.choose.over": "La ejecución terminó: {outcome}.",
        "player.choose.over.completed": "La ejecución terminó: todos los hilos acabaron.",
        "player.choose.over.deadlock": "La ejecución terminó en un interbloqueo.",
        "player.choose.over.stalled": "La ejecución terminó atascada: todos esperan.",
        "player.choose.over.error": "La ejecución terminó con un error.",
        "player.choose.undo": "Deshacer",
        "player.choose.undo.title": "Quitar la última elección",
        "player.choose.run": "Déjalo correr",
        "player.choose.run.title": (
            "Que siga solo hasta el final: el último hilo que corrió sigue mientras pueda; si "
            "no, el de número más bajo"
        ),
        "player.choose.reset": "Reiniciar",
        "player.choose.reset.title": "Volver al principio, sin ninguna elección",
        "player.choose.running": "Ejecutando los hilos…",
        "player.choose.actions": "Elecciones",
        "player.choose.trail": "Tus elecciones ({n}):",
        "player.choose.trail.none": "Todavía no has elegido nada.",
        "player.choose.trail.auto": "y después siguió solo ({n} decisiones más)",
        "player.choose.trail.alone": "Siguió solo desde el principio ({n} decisiones).",
        "player.choose.goal": "Objetivo",
        "player.choose.goal.reached": "¡Objetivo conseguido!",
        "player.choose.goal.missed": (
            "Terminó sin llegar al objetivo, pero otro orden sí llega: deshaz unas elecciones o "
            "empieza de nuevo y prueba otro."
        ),
        "player.choose.goal.missed.other": (
            "Terminó ({outcome}) sin llegar al objetivo, pero otro orden sí llega: deshaz unas "
            "elecciones o empieza de nuevo y prueba otro."
        ),
        "player.choose.goal.impossible": (
            "Terminó ({outcome}) sin llegar al objetivo: en este programa ningún orden de los "
            "hilos lo consigue."
        ),
        "player.choose.goal.impossible.deadlock": (
            "Terminó: este programa no puede interbloquearse, elijas lo que elijas."
        ),
        "player.choose.goal.impossible.lost-update": (
            "Terminó: este programa no puede perder una actualización, elijas lo que elijas."
        ),
        "player.choose.key": "tecla {n}",
        "player.choose.later": "el reloj avanza hasta su hora",
        "player.choose.live.next": "Te toca: pueden seguir {n} hilos.",
        "player.choose.live.took": "{thread} sigue.",
        "player.choose.error.fit": (
            "La elección {n} ({thread}) no encaja con este programa: en ese punto podían "
            "seguir {ready}."
        ),
        "player.choose.error.kept": "Se muestra lo que pasa con las {n} elecciones anteriores.",
        "player.choose.error.busy": (
            "El servidor está ocupado ejecutando otros hilos. Prueba otra vez en {s} s: tus "
            "elecciones siguen aquí."
        ),
        "player.choose.error.bad": "No se pudo ejecutar: {detail}",
        "player.choose.error.network": (
            "El servidor no respondió. Tus elecciones siguen aquí: prueba otra vez."
        ),
        "player.choose.retry": "Reintentar",
        "player.choose.share": "Enlace a estas elecciones",
        "player.choose.kind.thread_start": "`start()`",
        "player.choose.do.thread_start": "arranca un hilo nuevo",
        "player.choose.kind.thread_run": "empieza a ejecutarse",
        "player.choose.kind.run": "empieza a ejecutarse",
        "player.choose.kind.thread_end": "termina",
        "player.choose.kind.end": "termina",
        "player.choose.kind.acquire": "`{o}.acquire()`",
        "player.choose.do.acquire": "pide {o}",
        "player.choose.kind.acquire_done": "obtiene `{o}`",
        "player.choose.kind.acquire_timeout": "deja de esperar `{o}`",
        "player.choose.kind.release": "`{o}.release()`",
        "player.choose.do.release": "suelta {o}",
        "player.choose.kind.read": "lee `{o}`",
        "player.choose.kind.write": "escribe `{o}`",
        "player.choose.kind.sleep": "`time.sleep()`",
        "player.choose.do.sleep": "se pone a dormir",
        "player.choose.kind.sleep_done": "se despierta",
        "player.choose.kind.sleep_timeout": "se despierta",
        "player.choose.kind.join": "`join()`",
        "player.choose.do.join": "espera a que termine otro hilo",
        "player.choose.kind.join_done": "vuelve de `join()`: el otro hilo terminó",
        "player.choose.kind.join_timeout": "deja de esperar en `join()`",
        "player.choose.kind.wait": "`{o}.wait()`",
        "player.choose.do.wait": "espera en {o}",
        "player.choose.kind.wait_done": "vuelve de `{o}.wait()`",
        "player.choose.do.wait_done": "lo han despertado y sale de {o}.wait()",
        "player.choose.kind.wait_timeout": "deja de esperar en `{o}.wait()`",
        "player.choose.kind.set": "`{o}.set()`",
        "player.choose.do.set": "activa {o}: los que esperan pueden seguir",
        "player.choose.kind.clear": "`{o}.clear()`",
        "player.choose.do.clear": "desactiva {o}",
        "player.choose.kind.notify": "`{o}.notify()`",
        "player.choose.do.notify": "despierta a quien espera en {o}",
        "player.choose.kind.put": "`{o}.put()`",
        "player.choose.do.put": "mete un elemento en {o}",
        "player.choose.kind.put_done": "mete su elemento en `{o}`",
        "player.choose.kind.put_timeout": "deja de intentar meter en `{o}`",
        "player.choose.kind.get": "`{o}.get()`",
        "player.choose.do.get": "saca un elemento de {o}",
        "player.choose.kind.get_done": "saca un elemento de `{o}`",
        "player.choose.kind.get_timeout": "deja de esperar en `{o}`",
        "player.choose.kind.task_done": "`{o}.task_done()`",
        "player.choose.do.task_done": "da por hecha una tarea de {o}",
        "player.choose.kind.queue_join": "`{o}.join()`",
        "player.choose.do.queue_join": "espera a que se terminen todas las tareas de {o}",
        "player.choose.kind.queue_join_done": "vuelve de `{o}.join()`",
        "player.choose.kind.barrier": "`{o}.wait()`",
        "player.choose.do.barrier": "espera en la barrera {o}",
        "player.choose.kind.barrier_done": "pasa la barrera `{o}`",
        "player.choose.kind.barrier_timeout": "deja de esperar en la barrera `{o}`",
        "player.choose.kind.timer_done": "lo cancelan: no se dispara",
        "player.choose.kind.timer_timeout": "le llega la hora: se dispara",
        "player.choose.kind.print": "`print()`",
        "player.choose.do.print": "escribe una línea en pantalla",
        "mode.explore": "Explorar todos los entrelazados",
        "error.explore_mode": "«{name}» solo vale con mode=explore.",
        "error.explore_run": (
            "Una ejecución guardada se reproduce tal como ocurrió: explorar los entrelazados es "
            "cosa de los escenarios (/embed/scenarios/ID?mode=explore)."
        ),
        "player.explore.title": "Explorar todos los entrelazados: ¿cómo puede terminar?",
        "player.explore.intro": (
            "Hilos ejecuta el programa con los órdenes posibles de sus hilos (uno a la vez, bajo "
            "control), agrupa las ejecuciones por cómo terminan y dice cuántos órdenes probó. "
            "Usa valores pequeños: el número de órdenes crece muy deprisa."
        ),
        "player.explore.preemptions": "Expropiaciones, como mucho",
        "player.explore.preemptions.hint": (
            "Una expropiación es pasar a otro hilo cuando el que corría podía seguir. Casi todos "
            "los fallos aparecen con una o dos."
        ),
        "player.explore.start": "Explorar",
        "player.explore.idle": (
            "Pulsa «Explorar»: aquí verás cuánto lleva la búsqueda y, al acabar, cada final "
            "distinto."
        ),
        "player.explore.progress.label": "Planificaciones exploradas",
        "player.explore.progress": "{n} de {max} · {runs} ejecuciones",
        "player.explore.started": "Explorando los entrelazados…",
        "player.explore.schedules": "{n} planificaciones",
        "player.explore.schedules.one": "1 planificación",
        "player.explore.preemptions.n": "{n} expropiaciones",
        "player.explore.preemptions.n.one": "1 expropiación",
        "player.explore.decisions": "{n} decisiones",
        "player.explore.decisions.one": "1 decisión",
        "player.explore.covered.all": "Explorados todos los entrelazados: {schedules}.",
        "player.explore.covered.bounded": (
            "Explorados todos los que tienen como mucho {preemptions}: {schedules}. Con más "
            "expropiaciones podría haber otros finales."
        ),
        "player.explore.covered.bounded.zero": (
            "Explorados todos los que no tienen ninguna expropiación: {schedules}. Con "
            "expropiaciones podría haber otros finales."
        ),
        "player.explore.covered.sampled": (
            "Una muestra de {schedules} (un límite detuvo la búsqueda): puede haber otros "
            "finales. Para probar todos los órdenes, baja los valores (menos hilos o menos "
            "repeticiones)."
        ),
        # The heading of the endings says what the search covered: only a whole search may say
        # how the program can end; a bound or a sample says what it found.
        "player.explore.caption.all": "Cómo puede terminar: {n} finales distintos",
        "player.explore.caption.all.one": "Cómo puede terminar: de una sola manera",
        "player.explore.caption.bounded": "Con {preemptions} como mucho: {n} finales distintos",
        "player.explore.caption.bounded.one": "Con {preemptions} como mucho: un solo final",
        "player.explore.caption.bounded.zero": "Sin expropiaciones: {n} finales distintos",
        "player.explore.caption.bounded.zero.one": "Sin expropiaciones: un solo final",
        "player.explore.caption.sampled": "En {tried}: {n} finales distintos",
        "player.explore.caption.sampled.one": "En {tried}: un solo final",
        "player.explore.tried": "las {n} planificaciones probadas",
        "player.explore.tried.one": "la única planificación probada",
        "player.explore.col.status": "Resultado",
        "player.explore.col.final": "Valores finales",
        "player.explore.col.output": "Lo último que imprimió",
        "player.explore.col.count": "Planificaciones",
        "player.explore.col.witness": "La más corta",
        "player.explore.nothing": "(nada)",
        "player.explore.no_endings": (
            "Ninguna ejecución llegó a su final antes del límite: prueba con valores más pequeños."
        ),
        "player.explore.count": "{n} de {total}",
        "player.explore.cycle": "ciclo: {threads}",
        "player.explore.show": "Muéstramelo",
        "player.explore.show.title": "Abrir esta planificación en «Tú eliges»",
        "player.explore.witness": "{decisions} · {preemptions}",
        "player.explore.error.busy": (
            "El servidor está ocupado ejecutando otros hilos. Prueba otra vez en {s} s: tus "
            "valores siguen aquí."
        ),
        "player.explore.error.network": "El servidor no respondió. Prueba otra vez.",
        "player.explore.error.lost": (
            "La búsqueda se detuvo sin dar un resultado; con valores más pequeños suele acabar."
        ),
        "player.explore.error.bad": "No se pudo explorar: {detail}",
        "player.explore.retry": "Reintentar",
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
        "outcome.interrupted": "interrupted (Ctrl+C)",
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
        "error.store": "Runs cannot be saved or read right now: the server's storage is not "
        "answering. Try again in a while; if it goes on, tell whoever runs Hilos.",
        "error.too_many_runs": (
            "You asked for many runs in a row. Wait a few seconds and try again."
        ),
        "error.back": "Back to the scenario",
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
        "api.error.json": "The body is not valid JSON ({error}, at character {pos}).",
        "api.error.program_needed": (
            "Say what to run: give scenario (an id) or source (a program)."
        ),
        "api.error.program_both": "Give either scenario or source, not both.",
        "api.error.missing": "“{field}” is missing.",
        "api.error.too_many_runs": "You asked for many runs in a row: try again in {seconds} s.",
        "api.error.unknown": "“{field}” is not a field of this request (it takes: {known}).",
        "api.error.too_long": "“{field}” is too long: at most {max}.",
        "api.error.too_short": "“{field}” is too short: at least {min}.",
        "api.error.too_small": "“{field}” must be at least {min}; it got “{got}”.",
        "api.error.too_big": "“{field}” must be at most {max}; it got “{got}”.",
        "api.error.type": "“{field}” must be {kind}; it got “{got}”.",
        "api.error.invalid": "“{field}” is not valid ({reason}).",
        "api.error.unknown_param": (
            "unknown parameter {name}: this scenario's parameters are {known}."
        ),
        "api.error.lang": "The language “{got}” is not available: there are {allowed}.",
        "api.kind.int": "a whole number",
        "api.kind.float": "a number",
        "api.kind.bool": "true or false",
        "api.kind.string": "a text",
        "api.kind.object": "a JSON object",
        "api.kind.list": "a list",
        "api.kind.value": "a number, true or false, or a text",
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
        "player.predict.title": "Predict first",
        "player.predict.yes": "Yes, it finishes",
        "player.predict.no": "No, it gets stuck",
        "player.predict.answer": "Your answer",
        "player.predict.check": "Play and check",
        "player.predict.skip": "Play without predicting",
        "player.predict.waiting": "Your prediction: {answer}. Watch the run to the end…",
        "player.predict.right": "You were right! You said {answer}. {truth}",
        "player.predict.quoted": "“{answer}”",
        "player.predict.wrong": "Not this time: you said {answer}. {truth}",
        "player.predict.finished": "Every thread finished.",
        "player.predict.stuck": "It did not finish: {outcome}.",
        "player.predict.value": "The final value of `{variable}` was {value}.",
        "player.predict.unknown": (
            "This run never wrote `{variable}`: there is no total to compare."
        ),
        "predict.on": "Predict first",
        "predict.off": "Watch without predicting",
        "predict.notice": "(open it after predicting: it tells the ending)",
        "predict.description": "The explanation shows once the run has played: first, predict.",
        "player.legend": "Legend",
        "state.running": "running",
        "state.ready": "ready, waiting for the interpreter",
        "state.blocked": "blocked on a lock",
        "state.waiting": "waiting",
        "player.timer": "until its time comes (Timer)",
        "state.sleeping": "sleeping",
        "state.finished": "finished",
        "player.keys": "Space: play/pause · ←/→: step · Home/End",
        "player.name": "Run player",
        "player.controls": "Player controls",
        "player.noscript": "The player needs JavaScript.",
        "embed.open": "Open in Hilos",
        "run.download": "Download (HTML, works offline)",
        "run.perfetto": "Export for Perfetto",
        # -- Programs people write ("Write your own") ----------------------------------------
        "write.title": "Write your own",
        "write.intro": (
            "Write or paste a program with threads and run it: you see it in the same player as "
            "the scenarios, with its narration, “You choose” and the exploration of every "
            "interleaving. Every program you run gets its own permalink."
        ),
        "write.source": "Your program",
        "write.help": (
            "Tab indents and Shift+Tab dedents; to leave the editor press Esc, then Tab. "
            "Ctrl+Enter runs."
        ),
        "write.run": "Run",
        "write.running": "Running your program…",
        "write.limits": "Limits",
        "write.limit.size": "At most {n} characters.",
        "write.limit.time": "Each run is stopped after {s} s.",
        "write.limit.threads": "At most {n} threads.",
        "write.limit.events": "At most {n} recorded events.",
        "write.limit.imports": "It may import: {allowed}.",
        "write.limit.params": (
            "Top-level UPPER_CASE constants (THREADS = 3) are the program's values: the API "
            "takes them in “params”."
        ),
        "write.edit": "Edit this program",
        "write.gallery": "write or paste a threaded program of your own and watch it like these.",
        "write.starter": "An example to start from",
        "write.save.title": "Save as a custom scenario",
        "write.save.intro": (
            "Give it a title and notes for your students: it gets a page of its own and you can "
            "embed it like any scenario. What is saved never changes: edit it and save again, "
            "and that is a new scenario with another address."
        ),
        "write.save.name": "Title",
        "write.save.notes": "Notes (optional)",
        "write.save.button": "Save",
        "write.error.title": "The scenario needs a title.",
        "write.error.long": "“{field}” takes at most {n} characters; it has {got}.",
        "program.title": "Program",
        "program.custom": "Custom scenario",
        "program.permalink": "Program's permalink",
        "program.none": "none",
        "program.line": "Go to line {line}",
        "program.type.bool": "True or False",
        "program.type.int": "a whole number",
        "program.type.float": "a number",
        "program.type.str": "a string",
        "error.no_program": "There is no saved program “{id}”.",
        "error.not_its_run": "The run “{id}” is not the one of program “{program}”.",
        "program.error.size": (
            "The program has {n} characters; the limit is {max}. Make it a little shorter."
        ),
        "program.error.empty": "The program is empty: write something before running it.",
        "program.error.syntax": "Line {line}: syntax error: {detail}",
        "program.error.source": "The program cannot be read: {detail}.",
        "program.error.nesting": (
            "The program nests expressions deeper than Python can read; split them over "
            "several lines."
        ),
        "program.error.relative": "Line {line}: relative imports are not allowed here.",
        "program.error.import": (
            "Line {line}: “{name}” cannot be imported here; a Hilos program may import {allowed}."
        ),
        "program.error.param.unknown": (
            "“{name}” is not a value of this program; its values are its UPPER_CASE "
            "constants: {known}."
        ),
        "program.error.param.lines": (
            "“{name}” spans several lines in the program; write it on one to give it a value."
        ),
        "program.error.param": "“{name}” must be {kind}, as in the program; it got {got}.",
        "program.error.timeout": (
            "Line {line}: the program was still running after {s} s, the limit. A loop that "
            "never ends?"
        ),
        "program.error.timeout.nowhere": (
            "The program was still running after {s} s, the limit. A loop that never ends?"
        ),
        "program.error.threads": (
            "Line {line}: the program tried to start more than {n} threads, the limit."
        ),
        "program.error.events": "The program recorded more than {n} events, the limit.",
        "program.error.memory": (
            "The program used more than {n} MiB of memory, the limit: a list that keeps "
            "growing, or too many threads?"
        ),
        "program.error.output": (
            "The program's result went past {n} KiB, the limit: does it print or record too much?"
        ),
        "program.error.crashed": (
            "The program's process ended without giving a result (a signal stopped it, or it "
            "exited by itself)."
        ),
        "program.error.refused": (
            "The program's result did not pass the server's checks, so it is not shown: a "
            "program cannot make up its own run."
        ),
        "program.error.unavailable": (
            "This server cannot isolate programs right now, so it does not run the ones written "
            "here. The scenarios still work."
        ),
        "program.error.exception": "Line {line}: the program raised {type}: {detail}",
        "program.error.exception.nowhere": "The program raised {type}: {detail}",
        "program.error.thread": (
            "Line {line}: {thread} raised {type}: {detail} (that thread ended; the rest of the "
            "program went on, as in Python)"
        ),
        "program.error.syntax.python": "Line {line}: syntax error: {detail}.",
        "program.error.timeout.thread": (
            "Line {line}: {thread} was still running after {s} s, the limit. A loop that never "
            "ends?"
        ),
        "program.raised": "The program raised an exception",
        "write.draft.restored": "Your program, as you left it in this browser.",
        "write.draft.offered": "You have a program typed earlier in this browser ({when}).",
        "write.draft.original": "Show the original",
        "write.draft.example": "Show the example",
        "write.draft.open": "Open it",
        "write.drafts": "Your other drafts in this browser",
        "write.drafts.open": "Open",
        "share.title": "Share / embed",
        "share.permalink": "Permalink",
        "share.options": "Options of the embedded player",
        "share.autoplay": "Play on load",
        "share.predict": "Predict first (a question before it plays)",
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
        "player.words.waits": "waits for {object}, held by {holder}",
        "player.lanes": "The threads over time: each thread's state and who holds each lock",
        "player.mark.stopped": "stopped by Hilos (it did not finish)",
        "player.mark.daemon": "daemon cut off when the program ended",
        "player.mark.timer_cancel": "Timer cancelled: it will never run",
        "player.words.mark.stopped": "{thread}: stopped by Hilos",
        "player.words.mark.daemon": "{thread}: daemon cut off when the program ended",
        "player.words.mark.timer_cancel": "{thread}: Timer cancelled",
        "player.daemon": "daemon",
        "player.tasks": "unfinished tasks",
        "player.tasks.now": "{n} unfinished tasks",
        "player.barrier.now": "{k} of {n} arrived",
        "outcome.paused": "paused: your turn",
        "mode.nav": "Mode",
        "mode.play": "Watch a run",
        "mode.choose": "You choose",
        "mode.choose.params": "Choose with these values",
        "error.choices": (
            "“choices” must be thread names separated by commas (a name may end in *N to "
            "repeat it N times), {max} choices at most; it got “{got}”."
        ),
        "error.choices_mode": "“{name}” only goes with mode=choose.",
        "error.predict_mode": "“{name}” only goes with watching a run (mode=play).",
        "error.compare.a": "The run to compare is missing: /compare?a=ID (a saved run's id).",
        "error.compare.b": "“{got}” is neither the link nor the id of a saved run.",
        "error.compare.scenario": "This run is not a scenario's: choose another saved run.",
        "error.compare.set": "“{got}” is not one of this scenario's values (NAME=value).",
        "compare.title": "Compare two runs",
        "compare.with": "Compare with…",
        "compare.intro": (
            "The two runs side by side. The “Both together” controls move both at once: step "
            "by step, or to the same moment in milliseconds."
        ),
        "compare.pick": "Compare it with what?",
        "compare.pick.scenario": "“{title}”, with its default values",
        "compare.pick.flip": "The same scenario with “{label}”: {value}",
        "compare.pick.again": (
            "Another run with the same values (the threads may go in another order)"
        ),
        "compare.pick.other": "Another saved run: its link or its id",
        "compare.go": "Compare",
        "compare.differences": "What changes",
        "compare.differences.none": "None of these figures changes from one run to the other.",
        "compare.differences.some": "Changes: {what}.",
        "compare.figure": "Figure",
        "compare.row.outcome": "Outcome",
        "compare.row.events": "Events",
        "compare.row.duration": "Duration",
        "compare.row.final": "Final value of {variable}",
        "compare.row.lost": "Lost updates",
        "compare.row.cycle": "Deadlock cycle",
        "compare.row.waited": "{thread} waited",
        "compare.waited": "{blocked} blocked · {waiting} waiting",
        "compare.differs": "differs",
        "compare.both": "Both together",
        "compare.align": "Align",
        "compare.align.steps": "by step",
        "compare.align.time": "by time (ms)",
        "compare.values": "Values",
        "compare.open": "Open this run",
        "error.choose_run": (
            "A saved run plays as it happened: the “You choose” mode is for scenarios "
            "(/embed/scenarios/ID?mode=choose)."
        ),
        "player.choose.title": "You choose: you are the scheduler",
        "player.choose.intro": (
            "At every step where more than one thread could go on, you decide which. Press a "
            "thread (or its number key) and watch what it does; steps with no choice go by "
            "themselves."
        ),
        "player.choose.next": "Who goes next?",
        "player.choose.decision": "Decision {n}",
        "player.choose.over": "The run is over: {outcome}.",
        "player.choose.over.completed": "The run is over: every thread finished.",
        "player.choose.over.deadlock": "The run is over: it ended in a deadlock.",
        "player.choose.over.stalled": "The run is over: stalled, everyone waits.",
        "player.choose.over.error": "The run is over: an error stopped it.",
        "player.choose.undo": "Undo",
        "player.choose.undo.title": "Take back the last choice",
        "player.choose.run": "Let it run",
        "player.choose.run.title": (
            "Go on by itself to the end: the thread that ran last goes on while it can, else "
            "the lowest-numbered"
        ),
        "player.choose.reset": "Reset",
        "player.choose.reset.title": "Back to the start, with no choices",
        "player.choose.running": "Running the threads…",
        "player.choose.actions": "Choices",
        "player.choose.trail": "Your choices ({n}):",
        "player.choose.trail.none": "No choices yet.",
        "player.choose.trail.auto": "then it ran by itself ({n} more decisions)",
        "player.choose.trail.alone": "It ran by itself from the start ({n} decisions).",
        "player.choose.goal": "Goal",
        "player.choose.goal.reached": "Goal reached!",
        "player.choose.goal.missed": (
            "It finished without reaching the goal, but another order does: undo a few choices "
            "or start again, and try another."
        ),
        "player.choose.goal.missed.other": (
            "It ended ({outcome}) without reaching the goal, but another order does: undo a few "
            "choices or start again, and try another."
        ),
        "player.choose.goal.impossible": (
            "It ended ({outcome}) without reaching the goal: no order of the threads gets "
            "there in this program."
        ),
        "player.choose.goal.impossible.deadlock": (
            "It completed: this program cannot deadlock, whatever you choose."
        ),
        "player.choose.goal.impossible.lost-update": (
            "It completed: this program cannot lose an update, whatever you choose."
        ),
        "player.choose.key": "key {n}",
        "player.choose.later": "the clock moves on to its time",
        "player.choose.live.next": "Your turn: {n} threads can go on.",
        "player.choose.live.took": "{thread} goes on.",
        "player.choose.error.fit": (
            "Choice {n} ({thread}) does not fit this program: at that point {ready} could go on."
        ),
        "player.choose.error.kept": "Showing what happens with the {n} choices before it.",
        "player.choose.error.busy": (
            "The server is busy running other threads. Try again in {s} s: your choices are "
            "still here."
        ),
        "player.choose.error.bad": "Could not run it: {detail}",
        "player.choose.error.network": (
            "The server did not answer. Your choices are still here: try again."
        ),
        "player.choose.retry": "Try again",
        "player.choose.share": "Link to these choices",
        "player.choose.kind.thread_start": "`start()`",
        "player.choose.do.thread_start": "starts a new thread",
        "player.choose.kind.thread_run": "starts running",
        "player.choose.kind.run": "starts running",
        "player.choose.kind.thread_end": "ends",
        "player.choose.kind.end": "ends",
        "player.choose.kind.acquire": "`{o}.acquire()`",
        "player.choose.do.acquire": "asks for {o}",
        "player.choose.kind.acquire_done": "gets `{o}`",
        "player.choose.kind.acquire_timeout": "gives up waiting for `{o}`",
        "player.choose.kind.release": "`{o}.release()`",
        "player.choose.do.release": "lets go of {o}",
        "player.choose.kind.read": "reads `{o}`",
        "player.choose.kind.write": "writes `{o}`",
        "player.choose.kind.sleep": "`time.sleep()`",
        "player.choose.do.sleep": "goes to sleep",
        "player.choose.kind.sleep_done": "wakes up",
        "player.choose.kind.sleep_timeout": "wakes up",
        "player.choose.kind.join": "`join()`",
        "player.choose.do.join": "waits for another thread to finish",
        "player.choose.kind.join_done": "returns from `join()`: the other thread ended",
        "player.choose.kind.join_timeout": "stops waiting in `join()`",
        "player.choose.kind.wait": "`{o}.wait()`",
        "player.choose.do.wait": "waits on {o}",
        "player.choose.kind.wait_done": "returns from `{o}.wait()`",
        "player.choose.do.wait_done": "was woken up and leaves {o}.wait()",
        "player.choose.kind.wait_timeout": "stops waiting in `{o}.wait()`",
        "player.choose.kind.set": "`{o}.set()`",
        "player.choose.do.set": "sets {o}: whoever waits for it can go on",
        "player.choose.kind.clear": "`{o}.clear()`",
        "player.choose.do.clear": "clears {o}",
        "player.choose.kind.notify": "`{o}.notify()`",
        "player.choose.do.notify": "wakes whoever waits on {o}",
        "player.choose.kind.put": "`{o}.put()`",
        "player.choose.do.put": "puts an item in {o}",
        "player.choose.kind.put_done": "puts its item in `{o}`",
        "player.choose.kind.put_timeout": "gives up putting into `{o}`",
        "player.choose.kind.get": "`{o}.get()`",
        "player.choose.do.get": "takes an item from {o}",
        "player.choose.kind.get_done": "takes an item from `{o}`",
        "player.choose.kind.get_timeout": "gives up waiting on `{o}`",
        "player.choose.kind.task_done": "`{o}.task_done()`",
        "player.choose.do.task_done": "marks a task of {o} as done",
        "player.choose.kind.queue_join": "`{o}.join()`",
        "player.choose.do.queue_join": "waits until every task of {o} is done",
        "player.choose.kind.queue_join_done": "returns from `{o}.join()`",
        "player.choose.kind.barrier": "`{o}.wait()`",
        "player.choose.do.barrier": "waits at the barrier {o}",
        "player.choose.kind.barrier_done": "passes the barrier `{o}`",
        "player.choose.kind.barrier_timeout": "stops waiting at the barrier `{o}`",
        "player.choose.kind.timer_done": "is cancelled: it will not fire",
        "player.choose.kind.timer_timeout": "its time comes: it fires",
        "player.choose.kind.print": "`print()`",
        "player.choose.do.print": "prints a line",
        "mode.explore": "Explore all interleavings",
        "error.explore_mode": "“{name}” only goes with mode=explore.",
        "error.explore_run": (
            "A saved run plays as it happened: exploring the interleavings is for scenarios "
            "(/embed/scenarios/ID?mode=explore)."
        ),
        "player.explore.title": "Explore all interleavings: how can it end?",
        "player.explore.intro": (
            "Hilos runs the program in the possible orders of its threads (one at a time, "
            "under control), groups the runs by how they end, and says how many orders it "
            "tried. Keep the values small: the number of orders grows very fast."
        ),
        "player.explore.preemptions": "Preemptions, at most",
        "player.explore.preemptions.hint": (
            "A preemption is a switch to another thread while the one running could have gone "
            "on. Most bugs show up with one or two."
        ),
        "player.explore.start": "Explore",
        "player.explore.idle": (
            "Press “Explore”: the search's progress shows here, then every different ending."
        ),
        "player.explore.progress.label": "Schedules explored",
        "player.explore.progress": "{n} of {max} · {runs} runs",
        "player.explore.started": "Exploring the interleavings…",
        "player.explore.schedules": "{n} schedules",
        "player.explore.schedules.one": "1 schedule",
        "player.explore.preemptions.n": "{n} preemptions",
        "player.explore.preemptions.n.one": "1 preemption",
        "player.explore.decisions": "{n} decisions",
        "player.explore.decisions.one": "1 decision",
        "player.explore.covered.all": "All interleavings explored: {schedules}.",
        "player.explore.covered.bounded": (
            "All with at most {preemptions}: {schedules}. With more preemptions there may be "
            "other endings."
        ),
        "player.explore.covered.bounded.zero": (
            "All with no preemption: {schedules}. With preemptions there may be other endings."
        ),
        "player.explore.covered.sampled": (
            "A sample of {schedules} (a limit stopped the search): there may be other "
            "endings. To try every order, lower the values (fewer threads or repetitions)."
        ),
        "player.explore.caption.all": "How it can end: {n} different endings",
        "player.explore.caption.all.one": "How it can end: one way only",
        "player.explore.caption.bounded": "With at most {preemptions}: {n} different endings",
        "player.explore.caption.bounded.one": "With at most {preemptions}: one ending",
        "player.explore.caption.bounded.zero": "With no preemption: {n} different endings",
        "player.explore.caption.bounded.zero.one": "With no preemption: one ending",
        "player.explore.caption.sampled": "In {tried}: {n} different endings",
        "player.explore.caption.sampled.one": "In {tried}: one ending",
        "player.explore.tried": "the {n} schedules tried",
        "player.explore.tried.one": "the one schedule tried",
        "player.explore.col.status": "Outcome",
        "player.explore.col.final": "Final values",
        "player.explore.col.output": "Last line printed",
        "player.explore.col.count": "Schedules",
        "player.explore.col.witness": "Shortest",
        "player.explore.nothing": "(nothing)",
        "player.explore.no_endings": (
            "No run reached its end before the limit: try smaller values."
        ),
        "player.explore.count": "{n} of {total}",
        "player.explore.cycle": "cycle: {threads}",
        "player.explore.show": "Show me",
        "player.explore.show.title": "Open this schedule in “You choose”",
        "player.explore.witness": "{decisions} · {preemptions}",
        "player.explore.error.busy": (
            "The server is busy running other threads. Try again in {s} s: your values are "
            "still here."
        ),
        "player.explore.error.network": "The server did not answer. Try again.",
        "player.explore.error.lost": (
            "The search stopped without a result; with smaller values it usually finishes."
        ),
        "player.explore.error.bad": "Could not explore: {detail}",
        "player.explore.retry": "Try again",
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
