# Cronwarden's upload check for Python scripts: shipped with the server, never given user code to run.
#
# Reads the script's bytes on stdin and compiles them (compile() executes nothing), then looks for a
# top-level `def run` or `async def run` in the syntax tree. Prints one line of JSON:
#   {"problem": null}                                     it compiles and defines run
#   {"problem": "no-run"}
#   {"problem": "syntax", "message", "line", "column"}    it does not compile (line/column may be null)
# Written for Python 3.8 and newer; run as `python3 -I -S -B python-check.py NAME`.

import ast
import json
import sys


def answer(report):
    sys.stdout.write(json.dumps(report) + '\n')
    sys.stdout.flush()


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else 'script.py'
    source = sys.stdin.buffer.read()
    try:
        compile(source, name, 'exec', dont_inherit=True)
        tree = compile(source, name, 'exec', ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        answer({'problem': 'syntax', 'message': '%s: %s' % (type(error).__name__, error.msg),
                'line': error.lineno, 'column': error.offset})
        return
    except (RecursionError, MemoryError) as error:
        answer({'problem': 'syntax', 'message': '%s: the code is nested too deeply' % type(error).__name__,
                'line': None, 'column': None})
        return
    except Exception as error:
        answer({'problem': 'syntax', 'message': '%s: %s' % (type(error).__name__, error), 'line': None, 'column': None})
        return
    defines_run = any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == 'run'
                      for node in tree.body)
    answer({'problem': None if defines_run else 'no-run'})


main()
