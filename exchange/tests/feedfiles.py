"""Generators of 双公示 test files: valid codes, CF/XK rows, CSV in any encoding, XLSX with real
date cells. The tests build their files here instead of keeping binary fixtures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from subjects.identifiers import id_check_char, org_code_check_char, uscc_check_char

CF_CURRENT = ["CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM",
              "CF_FRDB", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK",
              "CF_JDRQ", "CF_YXQ", "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "BZ"]
CF_LEGACY = ["CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_SY", "CF_YJ", "CF_XDR_MC",
             "CF_XDR_SHXYM", "CF_XDR_ZDM", "CF_XDR_SFZ", "CF_FR", "CF_JG", "CF_JDRQ",
             "CF_XZJG", "CF_ZT", "DFBM", "SJC", "BZ"]
XK_CURRENT = ["XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_FRDB", "XK_XKWS", "XK_WSH",
              "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ", "XK_YXQZI",
              "XK_XKJG", "XK_ZT", "XK_LYDW", "BZ"]
XK_LEGACY = ["XK_WSH", "XK_XMMC", "XK_SPLB", "XK_NR", "XK_XDR", "XK_XDR_SHXYM", "XK_XDR_SFZ",
             "XK_FR", "XK_JDRQ", "XK_JZQ", "XK_XZJG", "XK_ZT", "DFBM", "SJC", "BZ"]


def uscc(n: int, region: str = "350100") -> str:
    """A valid USCC (GB 32100 and GB 11714 checks) for the n-th test enterprise."""
    org = f"{n:08d}"
    first17 = f"91{region}{org}{org_code_check_char(org)}"
    return first17 + uscc_check_char(first17)


def id_number(n: int) -> str:
    first17 = f"11010519800101{n % 1000:03d}"
    return first17 + id_check_char(first17)


def penalty(n: int, **overrides: Any) -> dict[str, Any]:
    """A current-set penalty row: a fine on an enterprise, decided in 2024."""
    row = {
        "CF_WSH": f"县住建罚〔2024〕{n}号", "CF_XDR_MC": f"测试房地产开发有限公司{n}",
        "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": uscc(n), "CF_FRDB": "王五",
        "CF_WFXW": "未按规定公示商品房销售信息", "CF_SY": "经查，该公司未在销售现场公示。",
        "CF_YJ": "《商品房销售管理办法》第四十二条", "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币贰万元", "CF_NR_FK": "2", "CF_JDRQ": "2024-04-15",
        "CF_YXQ": "2025-04-15", "CF_GSJZQ": "2025-04-15", "CF_CFJG": "某县住房和城乡建设局",
        "CF_CFJGDM": uscc(9000), "CF_SJLY": "某县住房和城乡建设局", "BZ": "",
    }
    row.update(overrides)
    return row


def legacy_penalty(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "CF_WSH": f"县住建罚〔2016〕{n}号", "CF_CFMC": "违规收取物业服务费",
        "CF_CFLB1": "警告", "CF_CFLB2": "", "CF_SY": "超标准收费", "CF_YJ": "《物业管理条例》",
        "CF_XDR_MC": f"测试物业服务有限公司{n}", "CF_XDR_SHXYM": uscc(n),
        "CF_FR": "赵六", "CF_JG": "警告", "CF_JDRQ": "2016/09/01", "CF_XZJG": "某县住建局",
        "CF_ZT": "1", "DFBM": "350100", "SJC": "2016-09-02 10:00:00", "BZ": "",
    }
    row.update(overrides)
    return row


def licence(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "XK_XDR_MC": f"测试房地产开发有限公司{n}", "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": uscc(n), "XK_FRDB": "王五", "XK_XKWS": "商品房预售许可决定书",
        "XK_WSH": f"县住建预许〔2024〕{n}号", "XK_XKLB": "普通", "XK_XKZS": "商品房预售许可证",
        "XK_XKBH": f"YS2024{n:04d}", "XK_NR": "准予预售1#楼", "XK_JDRQ": "2024-05-06",
        "XK_YXQZ": "2024-05-06", "XK_YXQZI": "2026-05-06", "XK_XKJG": "某县住建局",
        "XK_ZT": "1", "XK_LYDW": "某县住建局", "BZ": "",
    }
    row.update(overrides)
    return row


def csv_file(header: Sequence[str], rows: Sequence[dict[str, Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return buffer.getvalue().encode(encoding)


def xlsx_file(header: Sequence[str], rows: Sequence[dict[str, Any]],
              date_columns: Sequence[str] = ()) -> bytes:
    """An XLSX whose `date_columns` hold real Excel date cells (when the value is ISO)."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        cells = []
        for h in header:
            value = row.get(h)
            if h in date_columns and isinstance(value, str):
                try:
                    value = dt.datetime.fromisoformat(value)
                except ValueError:
                    pass
            cells.append(value)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
