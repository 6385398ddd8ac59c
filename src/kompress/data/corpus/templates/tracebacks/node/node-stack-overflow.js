'use strict';

function walk(node, seen = 0) {
  return node.children.reduce((acc, c) => acc + walk(c, seen + 1), 1);
}

const nodes = Array.from({ length: $count }, (_, i) => ({ id: i, children: [] }));
for (let i = 0; i + 1 < nodes.length; i++) nodes[i].children.push(nodes[i + 1]);
nodes[nodes.length - 1].children.push(nodes[$back]);
console.log('walking $noun tree of', nodes.length);
console.log(walk(nodes[0]));
