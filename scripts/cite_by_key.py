"""Rewrite citations of the unshipped reference notes (shared/reference/*.md and their row codes) as
bibliography keys, so that every source a file names can be followed with `kaonportal refs KEY`.

    python scripts/cite_by_key.py src/kaonportal            # list what would change
    python scripts/cite_by_key.py src/kaonportal --write    # rewrite in place (citation text only)

Developer tool (reads ../shared/reference/na62_parameters.md for the sources of a named row); the package
never runs it. Handles: ``published_results.md A3`` / ``PR A4 row 8`` -> the paper's key;
``na62_parameters.md section 2`` / ``NP 4a 'Vertex CDA'`` -> the row's own sources ([JINST17], [FW file.cc]);
``portal_formulas.md 5.3`` -> the works that section draws on; ``shared/sources S002`` -> [S002].
What it cannot map is left alone and listed, for a human to cite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from kaonportal import references  # noqa: E402

NOTES = ROOT.parent / "shared" / "reference" / "na62_parameters.md"

PR = {"A1": "NA62:2019pnn16; NA62:2020pnn17; NA62:2024pjp", "A1b": "NA62:2020eqcd", "A1c": "NA62:2024pjp",
      "A2": "NA62:2020pwi; CortinaGil:2019nuo", "A3": "NA62:2021kpix17; NA62:2021zjw; NA62:2025upx",
      "A4": "NA62:2019lnv17; NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee; NA62:2024pi0pimue",
      "A5": "NA62:2021bji", "A6": "NA62:2020mcv; NA62:2021bji; NA62:2025csa",
      "A7": "NA62:2023dpmumu; NA62:2024dpll; NA62:2025fiphad", "C": "Buras:2015qea"}
PR_A4_ROWS = {1: "NA62:2019lnv17", 2: "NA62:2019lnv17", 3: "NA62:2022pipi0ee", 4: "NA62:2022pipi0ee",
              5: "NA62:2021lnvlfv", 6: "NA62:2021lnvlfv", 7: "NA62:2021lnvlfv", 8: "NA62:2023munuee",
              9: "NA62:2024pi0pimue", 10: "NA62:2024pi0pimue", 11: "NA62:2024pi0pimue"}
# the works each section of the formula notes draws on ([C] values there are self-consistency checks)
PF = {"1": "FORESEE:2021code; FW HNLFunctions.cc", "2": "PDG", "3": "Ilten:2018crw", "4": "Bondarenko:2018hnl",
      "4.1": "Shrock:1981prd; Bondarenko:2018hnl", "4.2": "Bondarenko:2018hnl; HNLCalc:2024code",
      "4.3": "Bondarenko:2018hnl", "5": "Winkler:2018qyg; Boiarska:2019jym", "5.1": "Boiarska:2019jym; Winkler:2018qyg",
      "5.2": "Boiarska:2019jym", "5.3": "Winkler:2018qyg; ScalarPortal:2019code", "5.4": "Boiarska:2019jym",
      "6": "Bauer:2017ris", "6.1": "Bauer:2017ris", "6.2": "FORESEE:2021code; Aloni:2018vki",
      "6.3": "Bauer:2021wjo; ALPINIST:2022code", "3.6": "Blumlein:2013cua", "3.5": "Ilten:2018crw; ALPINIST:2022code",
      "3.4": "Beacham:2019nyx"}
NP = {"1": "JINST17; CEDARH; FW", "1b": "GA; BEATCH; MCgeo", "2": "JINST17", "3": "FW", "4": "S002; JHEP21; JHEP25",
      "4a": "FW; JHEP21; JHEP25", "5": "GEN; PDG", "6": "FIPhad; DPmumu; ALP", "7": "S002"}


def _rows() -> dict[str, str]:
    """Row name -> its source column, from the parameter notes (empty if they are not beside the checkout)."""
    if not NOTES.is_file():
        return {}
    out = {}
    for line in NOTES.read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 4 and not line.startswith("|---"):
            out[cells[0]] = cells[-2]
    return out


def _codes(source: str) -> list[str]:
    out: list[str] = []
    for tok in re.findall(r"[A-Za-z][A-Za-z0-9_:./-]*", source):
        last = tok.rstrip(".").split("/")[-1]
        code = f"FW {last}" if re.fullmatch(r"\w+\.(cc|dat|F|hh)", last) else tok.rstrip(".")
        if (code.startswith("FW ") or (len(code) > 1 and references.resolve(code))) and code not in out:
            out.append(code)
    if "FW" in out and any(c.startswith("FW ") for c in out):
        out.remove("FW")
    return out


class _Groups:
    """A stand-in match (groups 1-3) so that a row named without its section code reuses ``np_row``."""

    def __init__(self, *groups: str):
        self._g = ("", *groups)

    def group(self, i: int) -> str:
        return self._g[i] if i else "".join(self._g)


def _pf(section: str) -> str:
    return PF.get(section) or PF.get(section.split(".")[0], "")


def rewrite(text: str, rows: dict[str, str] | None = None) -> str:
    """``text`` with every mapped citation of the notes replaced by bracketed keys.

    >>> rewrite("limit (PR A4 row 8; S004) and Gamma (portal_formulas.md 5.3 [L]), see shared/sources S002")
    'limit ([NA62:2023munuee]; S004) and Gamma ([Winkler:2018qyg; ScalarPortal:2019code] [L]), see [S002]'
    >>> rewrite('rate (na62_parameters.md row "Beam rate, typical 2016-2018")', {"Beam rate, typical 2016-2018": "RICH20"})
    'rate ([RICH20] "Beam rate, typical 2016-2018")'
    """
    rows = _rows() if rows is None else rows

    def np_row(m):
        src = next((s for n, s in rows.items() if n.lower().startswith(m.group(3).lower()[:40])), None)
        codes = (_codes(src) if src else []) or NP.get(m.group(1), "").split("; ")
        return f"[{'; '.join(codes)}] {m.group(2)}{m.group(3)}{m.group(2)}" if codes and codes[0] else m.group(0)

    text = re.sub(r"shared/sources[/ ]S?0*([0-4])\b\w*", lambda m: f"[S00{m.group(1)}]", text)
    text = re.sub(r"\bPR A4 row (\d+)", lambda m: f"[{PR_A4_ROWS[int(m.group(1))]}]", text)
    text = re.sub(r"(?:``)?(?:\.\./)?(?:shared/reference/)?published_results\.md(?:``)?(?: \(PR\))?,? (?:section )?"
                  r"(A\d[a-z]?|C)\b", lambda m: f"[{PR[m.group(1)]}]", text)
    text = re.sub(r"\bPR (A\d[a-z]?|C)\b(?:, B\b)?", lambda m: f"[{PR[m.group(1)]}]", text)
    text = re.sub(r"\bNP (\d[a-z]?) (?:row )?(['\"])([^'\"]+)\2", np_row, text)
    text = re.sub(r"(?:``)?(?:\.\./)?(?:shared/reference/)?na62_parameters\.md(?:``)?,? (?:section (\d[a-z]?),? )?row (['\"])([^'\"]+)\2",
                  lambda m: np_row(_Groups(m.group(1) or "", m.group(2), m.group(3))) , text)
    text = re.sub(r"(?:``)?(?:\.\./)?(?:shared/reference/)?na62_parameters\.md(?:``)?,? (?:section |s\.)?(\d[a-z]?)\b",
                  lambda m: f"[{NP[m.group(1)]}]" if m.group(1) in NP else m.group(0), text)
    text = re.sub(r"(?:``)?(?:\.\./)?(?:shared/reference/)?portal_formulas\.md(?:``)?,? (?:section |§ ?)?(\d(?:\.\d)?)\b",
                  lambda m: f"[{_pf(m.group(1))}]" if _pf(m.group(1)) else m.group(0), text)
    return text


PATTERN = re.compile(r"shared/(reference|sources)|na62_parameters\.md|published_results\.md|portal_formulas\.md|"
                     r"peer_conventions\.md|\bNP \d|\bPR A\d")


def main(argv: list[str]) -> int:
    write = "--write" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [ROOT / "src" / "kaonportal"]
    rows, left = _rows(), []
    for base in paths:
        for p in sorted(base.rglob("*") if base.is_dir() else [base]):
            if not p.is_file() or p.suffix not in (".py", ".yaml", ".csv", ".md", ".txt"):
                continue
            text = p.read_text()
            new = rewrite(text, rows)
            if new != text:
                print(f"{'rewrote' if write else 'would rewrite'} {p}")
                if write:
                    p.write_text(new)
            left += [f"{p}:{i}: {ln.strip()[:120]}" for i, ln in enumerate(new.splitlines(), 1) if PATTERN.search(ln)]
    if left:
        print("not mapped (cite these by key by hand):", *left, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
