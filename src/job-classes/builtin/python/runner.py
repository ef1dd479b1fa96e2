# Cronwarden ScriptJob runner for Python scripts: shipped with the server, not part of your script.
#
# Run as `python3 -I -B -u /job/runner.py` inside the run's sandbox. Loads /job/script.py by path with
# importlib, calls its run(*args) (awaiting it when it returns an awaitable), and reports how that went,
# once, as one JSON document on file descriptor 3 (a pipe to the server), in the shape ScriptJob's
# JavaScript runner uses:
#   {"kind": "returned", "value": <the value, or {truncated, bytes, head} past resultMaxBytes>}
#   {"kind": "returned"}                      (run returned None: the result is null)
#   {"kind": "threw", "error": {"name", "message", "stack": <the traceback>}}
#   {"kind": "unserialisable", "message"}     (the value is not JSON)
#   {"kind": "not-loaded", "error": {...}}    (the module raised while being imported)
#   {"kind": "no-run"}
# Nothing at all means the process ended before (os._exit, a signal, the memory limit).
# Written for Python 3.8 and newer; uses the standard library only.

import asyncio
import importlib.util
import inspect
import json
import os
import sys
import traceback

JOB = os.path.dirname(os.path.abspath(__file__))
TEXT_MAX = 8192

# The runner keeps its own references, and its own copy of the report pipe, before the script is loaded:
# a script that replaces json.dumps or os.write, or closes fd 3, cannot forge or block the report.
_dumps = json.dumps
_write = os.write
_exit = os._exit
_encode = str.encode
REPORT = os.dup(3)
os.close(3)


def send(text):
    data = _encode(text, 'utf-8', 'surrogatepass')
    while data:
        data = data[_write(REPORT, data):]


def flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


def finish(report):
    flush()
    send(_dumps(report))
    _exit(0)


def cut(text):
    return text[:TEXT_MAX] + '... [cut]' if len(text) > TEXT_MAX else text


def describe(error):
    try:
        stack = ''.join(traceback.format_exception(type(error), error, error.__traceback__))
        return {'name': cut(type(error).__name__), 'message': cut(str(error)), 'stack': cut(stack)}
    except BaseException:
        return {'name': 'Exception', 'message': 'an exception that cannot be turned into text was raised'}


def fit(text, max_bytes):
    size = len(_encode(text, 'utf-8', 'surrogatepass'))
    if size <= max_bytes:
        return text
    keep = max_bytes - 128
    while True:
        cut_text = _dumps({'truncated': True, 'bytes': size, 'head': text[:max(0, keep)]})
        over = len(_encode(cut_text, 'utf-8', 'surrogatepass')) - max_bytes
        if over <= 0 or keep <= 0:
            return cut_text
        keep -= over


def main():
    with open(os.path.join(JOB, 'args.json'), encoding='utf-8') as handle:
        request = json.load(handle)
    spec = importlib.util.spec_from_file_location('script', os.path.join(JOB, 'script.py'))
    module = importlib.util.module_from_spec(spec)
    sys.modules['script'] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        finish({'kind': 'not-loaded', 'error': describe(error)})
    run = getattr(module, 'run', None)
    if not callable(run):
        finish({'kind': 'no-run'})
    try:
        value = run(*request['args'])
        if inspect.isawaitable(value):
            awaitable = value

            async def settle():
                return await awaitable

            value = asyncio.run(settle())
    except BaseException as error:
        finish({'kind': 'threw', 'error': describe(error)})
    if value is None:
        finish({'kind': 'returned'})
    try:
        text = _dumps(value, ensure_ascii=False, allow_nan=False)
    except BaseException as error:
        finish({'kind': 'unserialisable', 'message': cut('%s: %s' % (type(error).__name__, error))})
    flush()
    send('{"kind":"returned","value":' + fit(text, request['resultMaxBytes']) + '}')
    _exit(0)


main()
