#!/usr/bin/env python3
"""check_snippets.py README COMPILER [ARGS...] : compiles every C++ block of the
README that starts at the left margin (```cpp, not indented inside a list),
each as a translation unit of its own after the library's umbrella header
and the standard headers the snippets use, with COMPILER ARGS -fsyntax-only.
A block that does not compile fails the test, naming its line; a README
without such blocks fails too, so the test cannot pass by finding nothing."""
import os
import re
import subprocess
import sys
import tempfile

PRELUDE = """#include <mapreduce/mapreduce.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
"""


def blocks(text):
    """(first line number, code) of each ```cpp block at the left margin."""
    found = []
    for match in re.finditer(r"^```cpp\n(.*?)^```$", text, re.S | re.M):
        found.append((text.count("\n", 0, match.start()) + 2, match.group(1)))
    return found


def main():
    readme, compiler = sys.argv[1], sys.argv[2:]
    with open(readme, encoding="utf-8") as f:
        snippets = blocks(f.read())
    if not snippets:
        sys.exit("no ```cpp blocks in " + readme)
    failed = 0
    with tempfile.TemporaryDirectory() as directory:
        for line, code in snippets:
            source = os.path.join(directory, "readme_line_%d.cpp" % line)
            with open(source, "w", encoding="utf-8") as f:
                f.write(PRELUDE + '#line %d "README.md"\n' % line + code)
            result = subprocess.run(compiler + ["-std=c++20", "-fsyntax-only", source],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0:
                failed += 1
                sys.stderr.write("README.md:%d: the block does not compile:\n%s\n" % (line, result.stdout))
    print("%d README blocks compiled, %d failed" % (len(snippets) - failed, failed))
    sys.exit(1 if failed else 0)


main()
