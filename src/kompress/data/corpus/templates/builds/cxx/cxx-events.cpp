#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace $NS {

class $T {
public:
    using Handler = std::function<void(const std::string &)>;

    void on(const std::string &topic, Handler h)
    {
        handlers_[topic].push_back(std::move(h));
    }

    int emit(const std::string &topic, const std::string &payload) const
    {
        auto it = handlers_.find(topic);
        if (it == handlers_.end())
            return 0;
        int count = 0;
        for (const auto &h : it->second) {
            h(payload);
            count++;
        }
        return count;
    }

private:
    std::map<std::string, std::vector<Handler>> handlers_;
};

}  // namespace $NS

int main()
{
    $NS::$T bus;
    int seen = 0;
    bus.on("$N.created", [&seen](const std::string &p) { seen++; std::cout << "created " << p << "\n"; });
    bus.on("$N.deleted", [](const std::string &p) { std::cout << "deleted " << p << "\n"; });
    int n = bus.emit("$N.created", "id=7");
    std::cout << n << " handlers, seen=" << seen << std::endl;
    return 0;
}
