import threading
import time

STEPS = 3  # cuántos pasos da el hilo que sí funciona


class HiloBueno(threading.Thread):
    def __init__(self, nombre):
        super().__init__(name=nombre)

    def run(self):  # al nivel de __init__: es un método y reemplaza al run() de Thread
        for paso in range(STEPS):
            print(f"{self.name}: paso {paso + 1}")
            time.sleep(0.05)


class HiloRoto(threading.Thread):
    def __init__(self, nombre):
        super().__init__(name=nombre)

        def run(self):  # indentado dentro de __init__: una función local que nadie llama
            for paso in range(STEPS):
                print(f"{self.name}: paso {paso + 1}")
                time.sleep(0.05)


bueno = HiloBueno("HiloBueno")
roto = HiloRoto("HiloRoto")
bueno.start()
roto.start()  # ejecuta el run() de Thread, que sin target no hace nada
bueno.join()
roto.join()
print("Terminaron los dos, pero solo uno trabajó")
