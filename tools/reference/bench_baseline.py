"""The notebook's baseline timed in scikit-learn: featurize (CountVectorizer) + fit (LogisticRegression).
Prints JSON: median seconds over N runs, test accuracy. Used by bench/baseline.js."""
import json, sys, time
import numpy as np
import pandas as pd
import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 15
df = pd.read_csv('data/ArSenTD-LEV.tsv', sep='\t')
df = df[df['Country'] == 'lebanon']
label_map = {'very_negative': 0, 'negative': 1, 'neutral': 2, 'positive': 3, 'very_positive': 4}
X = df['Tweet'].values
y = df['Sentiment'].map(label_map).values
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
times = []
for k in range(repeats):
    start = time.perf_counter()
    vectorizer = CountVectorizer(max_features=1000, ngram_range=(1, 2))
    X_train_bow = vectorizer.fit_transform(X_train)
    model = LogisticRegression(max_iter=1000, random_state=42)
    model.fit(X_train_bow, y_train)
    times.append(time.perf_counter() - start)
accuracy = float((model.predict(vectorizer.transform(X_test)) == y_test).mean())
print(json.dumps({"median_seconds": float(np.median(times)), "first_seconds": times[0], "accuracy": accuracy, "sklearn": sklearn.__version__}))
