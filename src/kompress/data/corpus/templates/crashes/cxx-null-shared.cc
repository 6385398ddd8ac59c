#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>

class $S {
public:
    explicit $S(std::string id) : id_(std::move(id)) {}
    const std::string &id() const { return id_; }
    int $F1(int x) const { return static_cast<int>(id_.size()) * x; }
private:
    std::string id_;
};

class Registry {
public:
    void add(const std::string &k) { items_[k] = std::make_shared<$S>(k); }
    std::shared_ptr<$S> get(const std::string &k) const
    {
        auto it = items_.find(k);
        return it == items_.end() ? nullptr : it->second;
    }
private:
    std::unordered_map<std::string, std::shared_ptr<$S>> items_;
};

int main(int argc, char **argv)
{
    Registry reg;
    int n = argc > 1 ? std::stoi(argv[1]) : 5;
    for (int i = 0; i < n; i++) {
        reg.add("$N-" + std::to_string(i));
        std::cout << "$TAG: registered $N-" << i << std::endl;
    }
    for (int a = 2; a < argc; a++) {
        auto obj = reg.get(argv[a]);
        std::cout << "$TAG: $VERB " << argv[a] << std::endl;
        std::cout << "$TAG: weight " << obj->id() << " = " << obj->$F1(3) << std::endl;
    }
    return 0;
}
