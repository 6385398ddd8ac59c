#include <iostream>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace $NS {

class $T {
public:
    void connect(int a, int b)
    {
        edges_[a].push_back(b);
        edges_[b].push_back(a);
    }

    std::vector<int> bfs(int start) const
    {
        std::vector<int> order;
        std::unordered_set<int> seen{start};
        std::queue<int> todo;
        todo.push(start);
        while (!todo.empty()) {
            int cur = todo.front();
            todo.pop();
            order.push_back(cur);
            auto it = edges_.find(cur);
            if (it == edges_.end())
                continue;
            for (int next : it->second) {
                if (seen.insert(next).second)
                    todo.push(next);
            }
        }
        return order;
    }

    std::size_t size() const { return edges_.size(); }

private:
    std::unordered_map<int, std::vector<int>> edges_;
};

}  // namespace $NS

int main()
{
    $NS::$T g;
    for (int i = 0; i < 10; i++)
        g.connect(i, (i * 7 + 3) % 10);
    for (int n : g.bfs(0))
        std::cout << n << ' ';
    std::cout << "\nnodes: " << g.size() << std::endl;
    return 0;
}
