"""Teachers: where the per-word keep/drop labels come from.

* :mod:`.silver` - the seed's silver rule on Q&A pairs (verbose vs compressed answer);
* :mod:`.rules` - the seed's v3.1 domain table as transparent rules, also a baseline
  compressor (:class:`RuleCompressor`);
* :mod:`.align` - (original, compressed) pairs from any compressor, by alignment;
* :mod:`.replay` - the proxy's logged pairs: the exact decision our renderer wrote down.

Every teacher labels the words of :func:`kompress.structure.units.word_spans` (1 keep, 0 drop) and,
except :mod:`.replay` (whose labels are the logged decision, nothing added), forces must-keep
words (:func:`kompress.decision.mustkeep.is_must_keep`) to 1.
"""

from kompress.data.teachers.align import align_labels
from kompress.data.teachers.rules import RuleCompressor, rule_labels
from kompress.data.teachers.silver import read_pairs, silver_labels

__all__ = ["align_labels", "rule_labels", "RuleCompressor", "read_pairs", "silver_labels"]
