"""Turns `pydevcheck --output-format json` into the Markdown table the GitHub Action writes to the step summary."""

import json
import sys


def cell(text: str) -> str:
    """Escapes a table cell: pipes split cells and newlines end rows."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def main() -> int:
    try:
        with open(sys.argv[1], encoding="utf-8") as report:
            findings = json.load(report)
    except (OSError, ValueError) as error:
        print(f"pydevcheck: no report to summarise ({error})")
        return 0
    print("## pydevcheck\n")
    if not findings:
        print("No findings.")
        return 0
    print(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}.\n")
    print("| file | line | rule | message |")
    print("|---|---|---|---|")
    for finding in findings:
        where = f"{finding['filename']}"
        rule = f"{finding['code']} {finding['name']}"
        print(f"| `{cell(where)}` | {finding['location']['row']} | {cell(rule)} | {cell(finding['message'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
