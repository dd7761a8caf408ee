#!/usr/bin/env python3
"""check_reference.py EXAMPLE COMMAND... : runs COMMAND (an example program and
its arguments) and compares its standard output, byte for byte, with what an
independent reference computes from the same arguments: GNU grep for
grep_lines, and small Python programs written from the examples'
specifications (not from their code) for the others. Options before the
inputs (-p N, --sequential, --reducers N, -n N) are passed to the program
only; the reference reads the inputs."""
import collections
import os
import re
import subprocess
import sys

WORD = re.compile(rb"[A-Za-z0-9_']+")


def lines_of(path):
    """The lines of a file as the engine reads them: '\\n' ends a line, a '\\r'
    right before it is dropped, a last line without '\\n' still counts."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def files_of(inputs):
    """The files an input list names: a directory's regular files in name
    order, but for names starting with '.' or '_'."""
    files = []
    for path in inputs:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                full = os.path.join(path, name)
                if not name.startswith((".", "_")) and os.path.isfile(full):
                    files.append(path.rstrip("/") + "/" + name)
        else:
            files.append(path)
    return files


def inverted_index(inputs):
    places = collections.defaultdict(set)
    for path in files_of(inputs):
        for number, line in enumerate(lines_of(path), 1):
            for word in WORD.findall(line):
                places[word].add((path.encode(), number))
    out = []
    for word in sorted(places):
        listed = sorted(places[word])
        out.append(word + b"\t" + b" ".join(p + b":" + str(n).encode() for p, n in listed) + b"\n")
    return b"".join(out)


def inner_join(inputs):
    left, right = inputs

    def rows(path):
        for line in lines_of(path):
            key, tab, rest = line.partition(b"\t")
            yield key, rest

    right_rows = collections.defaultdict(list)
    for key, rest in rows(right):
        right_rows[key].append(rest)
    joined = collections.defaultdict(list)
    for key, rest in rows(left):
        for other in right_rows.get(key, []):
            joined[key].append(rest + b"\t" + other)
    return b"".join(key + b"\t" + row + b"\n" for key in sorted(joined) for row in joined[key])


def top_words(inputs, n):
    counts = collections.Counter()
    for path in files_of(inputs):
        for line in lines_of(path):
            counts.update(WORD.findall(line))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
    return b"".join(word + b"\t" + str(count).encode() + b"\n" for word, count in ranked)


def grep_lines(pattern, inputs):
    # The C locale: bytes are characters, so text that is not UTF-8 is not
    # taken for a binary file.
    result = subprocess.run(["grep", "-H", "-n", "-F", "--", pattern] + inputs, stdout=subprocess.PIPE,
                            env=dict(os.environ, LC_ALL="C"))
    if result.returncode not in (0, 1):
        sys.exit("grep failed")
    return result.stdout


def positional(arguments):
    """The arguments that are not options or option values."""
    with_value = {"-p", "--processes", "--reducers", "-n", "--count", "-o", "--output", "--format",
                  "--records"}
    rest, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in with_value:
            skip = True
        elif not argument.startswith("-") or argument == "-":
            rest.append(argument)
    return rest


def option(arguments, names, default):
    for i, argument in enumerate(arguments[:-1]):
        if argument in names:
            return arguments[i + 1]
    return default


def main():
    example, command = sys.argv[1], sys.argv[2:]
    arguments = command[1:]
    inputs = positional(arguments)
    if example == "inverted_index":
        expected = inverted_index(inputs)
    elif example == "inner_join":
        expected = inner_join(inputs)
    elif example == "top_words":
        expected = top_words(inputs, int(option(arguments, ("-n", "--count"), "10")))
    elif example == "grep_lines":
        expected = grep_lines(inputs[0], inputs[1:])
    else:
        sys.exit("unknown example " + example)
    actual = subprocess.run(command, stdout=subprocess.PIPE)
    if actual.returncode != 0:
        sys.exit("command failed with exit status %d: %s" % (actual.returncode, " ".join(command)))
    if actual.stdout != expected:
        sys.stderr.write("output of %s differs from the reference\n--- expected\n%s\n--- got\n%s\n"
                         % (" ".join(command), expected.decode(errors="replace"),
                            actual.stdout.decode(errors="replace")))
        sys.exit(1)
    if not expected:
        sys.exit("the reference output is empty: the case proves nothing")


main()
