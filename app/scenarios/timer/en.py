import threading
import time

DELAY = 0.2  # seconds each Timer waits before calling the function
CANCEL = True  # is the second Timer cancelled before its time comes?


def remind(message, times):
    for _ in range(times):
        print(f"Reminder: {message}")


# The Timer runs the function with the given arguments after DELAY seconds
timer_1 = threading.Timer(DELAY, remind, ["drink some water", 2])
timer_2 = threading.Timer(DELAY * 2, remind, ["stretch your legs", 1])
timer_1.name = "Timer-water"  # a readable name for its lane
timer_2.name = "Timer-legs"
timer_1.start()
timer_2.start()
print("Timers scheduled; the main flow carries on")

time.sleep(DELAY)
if CANCEL:
    timer_2.cancel()  # its time has not come yet: the function will not run
    print("Second reminder cancelled")
timer_1.join()
timer_2.join()
