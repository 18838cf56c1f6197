"""Writes test/fixtures/datasets/arsentd-pandas.json: what pandas reads from data/ArSenTD-LEV.tsv."""
import pandas as pd, json, hashlib
df = pd.read_csv('data/ArSenTD-LEV.tsv', sep='\t')
rows = df.fillna('').astype(str).values.tolist()
# Cells joined by US, rows by RS: a digest both Python and TypeScript compute the same way.
h = hashlib.sha256('\x1e'.join('\x1f'.join(r) for r in rows).encode()).hexdigest()
leb = df[df['Country']=='lebanon']
out = {"rows": len(df), "columns": list(df.columns), "sha256_cells": h,
       "first_rows": rows[:3], "lebanese_row_numbers_head": leb.index[:10].tolist(),
       "lebanese_count": int(len(leb)), "mean_chars_lebanese": float(leb['Tweet'].str.len().mean()),
       "mean_words_lebanese": float(leb['Tweet'].str.split().str.len().mean()),
       "class_counts_lebanese": leb['Sentiment'].value_counts().to_dict(),
       "missing_cells": int(df.isna().sum().sum())}
# The notebook's split, as data-row numbers of the source file (the DataFrame index, header excluded).
from sklearn.model_selection import train_test_split
label_map = {'very_negative': 0, 'negative': 1, 'neutral': 2, 'positive': 3, 'very_positive': 4}
idx_train, idx_test = train_test_split(leb.index.values, test_size=0.2, random_state=42, stratify=leb['Sentiment'].map(label_map).values)
out["notebook_split"] = {"train": idx_train.tolist(), "test": idx_test.tolist()}
json.dump(out, open('test/fixtures/datasets/arsentd-pandas.json','w'), ensure_ascii=False, indent=1)
print(out['rows'], out['missing_cells'], out['mean_chars_lebanese'], out['mean_words_lebanese'])
