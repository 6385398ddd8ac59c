#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace $NS {

class $T {
public:
    $T(std::string name, int weight) : name_(std::move(name)), weight_(weight) {}
    const std::string &name() const { return name_; }
    int weight() const { return weight_; }
    void bump(int by) { weight_ += by; }

private:
    std::string name_;
    int weight_;
};

class Registry {
public:
    void add(const std::string &name, int weight)
    {
        items_.emplace(name, std::make_unique<$T>(name, weight));
    }

    std::vector<std::string> top(std::size_t n) const
    {
        std::vector<const $T *> all;
        for (const auto &kv : items_)
            all.push_back(kv.second.get());
        std::sort(all.begin(), all.end(), [](const $T *a, const $T *b) { return a->weight() > b->weight(); });
        std::vector<std::string> out;
        for (std::size_t i = 0; i < n && i < all.size(); i++)
            out.push_back(all[i]->name());
        return out;
    }

    int total() const
    {
        int sum = 0;
        for (const auto &kv : items_)
            sum += kv.second->weight();
        return sum;
    }

private:
    std::map<std::string, std::unique_ptr<$T>> items_;
};

}  // namespace $NS

int main(int argc, char **argv)
{
    $NS::Registry reg;
    for (int i = 1; i < argc; i++)
        reg.add(argv[i], i * 10);
    for (const auto &name : reg.top(3))
        std::cout << name << "\n";
    std::cout << "total " << reg.total() << std::endl;
    return 0;
}
