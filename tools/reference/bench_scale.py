"""The scale benchmark's reference: the baseline spec of bench/scale.js in scikit-learn, end to end
(read the TSV with pandas, stratified 80/20 split with seed 42, 1-2-gram CountVectorizer with
1,000 features, LogisticRegression(max_iter=1000), test accuracy). Prints JSON.
Usage: bench_scale.py corpus.tsv"""
import json, sys, time
start = time.perf_counter()
import pandas as pd
import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

df = pd.read_csv(sys.argv[1], sep='\t')
classes = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive']
X = df['Tweet'].values
y = df['Sentiment'].map({c: i for i, c in enumerate(classes)}).values
del df
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
vectorizer = CountVectorizer(max_features=1000, ngram_range=(1, 2))
X_train_bow = vectorizer.fit_transform(X_train)
model = LogisticRegression(max_iter=1000, random_state=42)
model.fit(X_train_bow, y_train)
accuracy = float((model.predict(vectorizer.transform(X_test)) == y_test).mean())
print(json.dumps({"seconds": time.perf_counter() - start, "accuracy": accuracy, "iterations": int(model.n_iter_[0]), "sklearn": sklearn.__version__}))
