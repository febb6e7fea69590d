# The deliberation case's baseline: Pol.is's PCA and k-means done with
# scikit-learn on the same votes. pallmall bench runs it as
#   python3 sklearn_baseline.py VOTES_FILE PARTICIPANTS STATEMENTS
# where VOTES_FILE holds int32 triples (participant, statement, vote).
# Only the computation is timed: interpreter start, imports and reading
# the file are not. It prints one JSON object.
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score


def main():
    path, n_p, n_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    raw = np.fromfile(path, dtype=np.int32).reshape(-1, 3)
    t0 = time.perf_counter()
    # The participants x statements matrix, missing votes imputed with the
    # statement's mean vote, as Pol.is does.
    x = np.zeros((n_p, n_s), dtype=np.float32)
    seen = np.zeros((n_p, n_s), dtype=bool)
    x[raw[:, 0], raw[:, 1]] = raw[:, 2]
    seen[raw[:, 0], raw[:, 1]] = True
    counts = seen.sum(axis=0)
    means = np.divide(x.sum(axis=0), counts, out=np.zeros(n_s, dtype=np.float32), where=counts > 0)
    np.copyto(x, np.broadcast_to(means, x.shape), where=~seen)
    del seen
    proj = PCA(n_components=2, svd_solver="randomized", random_state=1).fit_transform(x)
    # 100 base clusters, then opinion groups of k = 2..5 over their
    # centres, the best by silhouette.
    base = KMeans(n_clusters=min(100, n_p), n_init=1, max_iter=100, random_state=1).fit(proj)
    centres = base.cluster_centers_
    best_k, best_s = 0, -2.0
    for k in range(2, 6):
        if k >= len(centres):
            break
        km = KMeans(n_clusters=k, n_init=1, max_iter=100, random_state=1).fit(centres)
        s = silhouette_score(centres, km.labels_)
        if s > best_s:
            best_k, best_s = k, s
    t1 = time.perf_counter()
    print(json.dumps({"seconds": t1 - t0, "k": best_k}))


main()
