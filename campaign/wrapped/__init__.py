"""Wrapped: one listener's own year, told from the same packs as the billboards.

```python
from campaign.wrapped import make_wrapped
result = make_wrapped([Path("my_spotify_data")], Path("out/wrapped"), locale="nl")
```

`select` decides whose year, which year and in which time zone; `cards` counts the recap from SQL;
`anomalies` runs the packs on that one listener and scores what they find for surprise; `copy`
words the cards in second person; `draw` makes the 1080×1920 PNGs; `story` the tap-through page;
`folder` writes aside and swaps in; `batch` does every listener of a service's dataset.
"""
