"""gevent's side of gevent4j's parity suite: `python3 scenarios.py NAME` prints what scenario NAME
does, line by line. Each function has a Java twin in io.gevent4j.parity.Scenarios; ParityTest compares
the two outputs (against real gevent when /usr/bin/python3 has it, else against NAME.expected)."""
import sys
import gevent
from gevent import Greenlet, GreenletExit
from gevent.event import Event, AsyncResult
from gevent.queue import Queue, LifoQueue, PriorityQueue, JoinableQueue, Channel, Empty, Full
from gevent.lock import Semaphore, BoundedSemaphore, RLock
from gevent.pool import Pool, Group
from gevent.timeout import Timeout
import greenlet as raw

out = print


def spawn_sleep_join():
    def worker(name, naps):
        out(name + " start")
        for n in naps:
            gevent.sleep(n)
            out(name + " after sleep(" + str(n) + ")")
        return name
    a = gevent.spawn(worker, "a", [0, 0.02])
    b = gevent.spawn(worker, "b", [0.01, 0])
    c = gevent.spawn(worker, "c", [0, 0])
    out("spawned")
    gevent.sleep(0)
    out("main after sleep(0)")
    done = gevent.joinall([a, b, c])
    out("joined " + " ".join(g.value for g in done))


def links_run_before_join_returns():
    g = gevent.spawn(lambda: out("g runs"))
    g.link(lambda src: out("link ran"))
    g.join()
    out("after join")
    h = gevent.spawn(lambda: out("h runs"))
    h.rawlink(lambda src: out("rawlink ran"))
    h.link_value(lambda src: out("link_value ran"))
    h.link_exception(lambda src: out("link_exception must not run"))
    h.join()
    out("after second join")
    def fail():
        raise ValueError("boom")
    f = gevent.spawn(fail)
    f.link_exception(lambda src: out("link_exception ran: " + type(src.exception).__name__))
    f.link_value(lambda src: out("link_value must not run"))
    f.join()
    out("failed successful=" + str(f.successful()))
    late = gevent.spawn(lambda: None)
    late.join()
    late.link(lambda src: out("link added after death ran"))
    gevent.sleep(0)
    out("end")


def kill_behind_queued_wakeup():
    def n_body():
        gevent.sleep(0)
        out("resumed")
        gevent.sleep(1)
        out("must not print")
    n = gevent.spawn(n_body)
    gevent.sleep(0)
    n.kill()
    out("killed: dead=" + str(n.dead) + " value=" + type(n.value).__name__)


def kill_before_start():
    g = gevent.spawn(lambda: out("must not run"))
    g.link(lambda src: out("link of a greenlet killed before start"))
    g.kill()
    out("dead=" + str(g.dead) + " successful=" + str(g.successful()))
    gevent.sleep(0)
    out("end")


def kill_with_exception_and_catch_exception():
    def stubborn():
        while True:
            try:
                gevent.sleep(1)
            except Exception as e:  # a kill is not an Exception: it passes
                out("caught " + type(e).__name__)
    s = gevent.spawn(stubborn)
    gevent.sleep(0)
    s.kill()
    out("stubborn dead=" + str(s.dead))
    def victim():
        try:
            gevent.sleep(1)
        finally:
            out("victim finally")
    v = gevent.spawn(victim)
    gevent.sleep(0)
    v.kill(ValueError("bang"))
    out("victim successful=" + str(v.successful()) + " exception=" + type(v.exception).__name__)


def kill_nonblocking():
    def body():
        try:
            gevent.sleep(1)
        finally:
            out("finally ran")
    g = gevent.spawn(body)
    gevent.sleep(0)
    g.kill(block=False)
    out("after kill(block=False): dead=" + str(g.dead))
    g.join()
    out("after join: dead=" + str(g.dead))
    gs = [gevent.spawn(gevent.sleep, 1) for _ in range(3)]
    gevent.sleep(0)
    gevent.killall(gs)
    out("killall: " + " ".join(str(g.dead) for g in gs))


def timeouts():
    outer = Timeout.start_new(0.05)
    try:
        inner = Timeout.start_new(0.02)
        try:
            gevent.sleep(1)
        except Timeout as t:
            out("inner caught its own: " + str(t is inner))
        finally:
            inner.cancel()
        gevent.sleep(1)
    except Timeout as t:
        out("outer caught its own: " + str(t is outer))
    finally:
        outer.cancel()
    never = Timeout(None)
    never.start()
    gevent.sleep(0.01)
    out("None never fires: pending=" + str(never.pending))
    never.cancel()
    out("with_timeout default: " + str(gevent.with_timeout(0.01, gevent.sleep, 1, timeout_value="fallback")))
    try:
        gevent.with_timeout(0.01, gevent.sleep, 1)
    except Timeout:
        out("with_timeout raised Timeout")
    def caught_as_exception():
        try:
            with Timeout(0.01):
                try:
                    gevent.sleep(1)
                except Exception:
                    out("must not catch a Timeout as Exception")
        except Timeout:
            out("Timeout passed through except Exception")
    caught_as_exception()


def events():
    e = Event()
    def waiter(name):
        out(name + " waits")
        out(name + " woke: " + str(e.wait()))
    gs = [gevent.spawn(waiter, n) for n in ("w1", "w2", "w3")]
    gevent.sleep(0)
    e.set()
    out("set")
    e.clear()
    out("cleared")
    gevent.joinall(gs)
    out("wait(0.01) on a clear event: " + str(e.wait(0.01)))
    r = AsyncResult()
    def getter(name):
        out(name + " got " + str(r.get()))
    gs = [gevent.spawn(getter, n) for n in ("g1", "g2")]
    gevent.sleep(0)
    r.set(42)
    out("result set")
    gevent.joinall(gs)


def queue_getters_take_themselves():
    q = Queue()
    def getter(name, n):
        for _ in range(n):
            out(name + str(q.get()))
    a = gevent.spawn(getter, "A", 2)
    b = gevent.spawn(getter, "B", 1)
    gevent.sleep(0)
    q.put(1)
    q.put(2)
    out("put 1 2")
    gevent.sleep(0)
    q.put(3)
    gevent.joinall([a, b])


def queue_kinds():
    for name, q, items in (("Queue", Queue(), [3, 1, 2]), ("LifoQueue", LifoQueue(), [3, 1, 2]),
                           ("PriorityQueue", PriorityQueue(), [3, 1, 2])):
        for i in items:
            q.put(i)
        out(name + ": " + " ".join(str(q.get()) for _ in items))
    bounded = Queue(1)
    def putter(name, item):
        bounded.put(item)
        out(name + " put " + str(item))
    ps = [gevent.spawn(putter, "p" + str(i), i) for i in range(3)]
    gevent.sleep(0)
    out("qsize " + str(bounded.qsize()))
    for _ in range(3):
        out("got " + str(bounded.get()))
        gevent.sleep(0)
    gevent.joinall(ps)
    try:
        bounded.get_nowait()
    except Empty:
        out("get_nowait: Empty")
    bounded.put_nowait("x")
    try:
        bounded.put_nowait("y")
    except Full:
        out("put_nowait: Full")
    j = JoinableQueue()
    def worker():
        while True:
            item = j.get()
            out("work " + str(item))
            gevent.sleep(0)
            j.task_done()
    w = gevent.spawn(worker)
    for i in range(3):
        j.put(i)
    j.join()
    out("all tasks done")
    w.kill()
    ch = Channel()
    def chan_get(name):
        out(name + " got " + str(ch.get()))
    gs = [gevent.spawn(chan_get, n) for n in ("c1", "c2")]
    gevent.sleep(0)
    ch.put("a")
    out("put a")
    ch.put("b")
    out("put b")
    gevent.joinall(gs)


def locks():
    s = Semaphore(1)
    def user(name):
        with s:
            out(name + " holds")
            gevent.sleep(0)
        out(name + " released")
    gs = [gevent.spawn(user, n) for n in ("s1", "s2", "s3")]
    gevent.joinall(gs)
    b = BoundedSemaphore(1)
    b.acquire()
    b.release()
    try:
        b.release()
    except ValueError:
        out("BoundedSemaphore over-release: ValueError")
    lock = RLock()
    def reentrant(name):
        with lock:
            with lock:
                out(name + " twice")
                gevent.sleep(0)
    gs = [gevent.spawn(reentrant, n) for n in ("r1", "r2")]
    gevent.joinall(gs)
    out("acquire(blocking=False) of a held semaphore: " + str(s.acquire() and not s.acquire(blocking=False)))
    s.release()


def pools():
    p = Pool(2)
    def work(n):
        gevent.sleep(0.001 * (5 - n))
        return n * 10
    out("map " + " ".join(str(x) for x in p.map(work, range(5))))
    out("imap " + " ".join(str(x) for x in p.imap(work, range(5))))
    out("imap_unordered " + " ".join(str(x) for x in Pool(5).imap_unordered(work, range(5))))
    g = Group()
    g.spawn(gevent.sleep, 0.01)
    g.spawn(gevent.sleep, 0.02)
    out("group size " + str(len(g)))
    g.join()
    out("group size after join " + str(len(g)))


def iwait_order():
    def after(ms, v):
        gevent.sleep(ms / 1000.0)
        return v
    gs = [gevent.spawn(after, 30, "slow"), gevent.spawn(after, 10, "fast"), gevent.spawn(after, 20, "mid")]
    out("iwait " + " ".join(g.value for g in gevent.iwait(gs)))
    e1, e2 = Event(), Event()
    gevent.spawn_later(0.01, e2.set)
    gevent.spawn_later(0.02, e1.set)
    out("wait count=1 -> " + ("e2" if gevent.wait([e1, e2], count=1)[0] is e2 else "e1"))


def raw_switch_and_throw():
    def test1():
        out("12")
        gr2.switch()
        out("34")
    def test2():
        out("56")
        gr1.switch()
        out("78")
    gr1 = raw.greenlet(test1)
    gr2 = raw.greenlet(test2)
    gr1.switch()
    out("main again; gr2 dead=" + str(gr2.dead))
    def catcher():
        try:
            raw.getcurrent().parent.switch("ready")
        except ValueError as e:
            out("thrown in: " + str(e))
            return "caught"
    c = raw.greenlet(catcher)
    out("switch returned " + c.switch())
    out("throw returned " + c.throw(ValueError("x")))
    def echo(a):
        while True:
            a = raw.getcurrent().parent.switch(a * 2)
    e = raw.greenlet(echo)
    out("echo " + str(e.switch(1)) + " " + str(e.switch(5)))


def loop_exit():
    e = Event()
    try:
        e.wait()
    except gevent.hub.LoopExit:
        out("LoopExit")
    g = gevent.spawn(gevent.sleep, 0.01)
    out("join of a sleeper returns: " + str(g.join() is None))


if __name__ == "__main__":
    globals()[sys.argv[1]]()
