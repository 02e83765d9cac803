from campaign.deliveries.letters import _cell


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused():
    assert _cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert _cell("+1") == "'+1" and _cell("@sum") == "'@sum" and _cell("-2") == "'-2"
    assert _cell("Hope Network") == "Hope Network"
