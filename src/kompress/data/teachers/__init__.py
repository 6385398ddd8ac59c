"""Teachers: where the per-word keep/drop labels come from.

* :mod:`.silver` - the seed's silver rule on Q&A pairs (verbose vs compressed answer);
* :mod:`.rules` - the seed's v3.1 domain table as transparent rules, also a baseline
  compressor (:class:`RuleCompressor`);
* :mod:`.align` - (original, compressed) pairs such as the proxy's log, by alignment.

Every teacher labels the words of :func:`kompress.structure.units.word_spans` (1 keep, 0 drop) and
forces must-keep words (:func:`kompress.decision.mustkeep.is_must_keep`) to 1.
"""

from kompress.data.teachers.align import align_labels
from kompress.data.teachers.rules import RuleCompressor, rule_labels
from kompress.data.teachers.silver import read_pairs, silver_labels

__all__ = ["align_labels", "rule_labels", "RuleCompressor", "read_pairs", "silver_labels"]
